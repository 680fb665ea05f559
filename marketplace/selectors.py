"""Permission-scoped reads: every view and API reads participants through these.

Each `*_visible_to(user)` returns the queryset of what `user` may see; the
`*_get_for_user` helpers raise Http404 for anything outside it, so another
tenant's object cannot be told apart from one that does not exist.
"""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from marketplace.models import (
    Agency,
    AuditEvent,
    Firm,
    HighTechPark,
    Incubator,
    ProgrammeYear,
    ServiceItem,
    User,
)


def _anonymous(user):
    return user is None or not user.is_authenticated or not user.is_active


def incubators_visible_to(user):
    qs = Incubator.objects.select_related("park")
    if _anonymous(user):
        return qs.none()
    if user.is_programme_officer:
        return qs
    if user.is_incubator_manager:
        return qs.filter(pk=user.incubator_id)
    if user.is_firm_member:
        return qs.filter(firms__pk=user.firm_id)
    return qs.none()


def firms_visible_to(user):
    qs = Firm.objects.select_related("incubator")
    if _anonymous(user):
        return qs.none()
    if user.is_programme_officer:
        return qs
    if user.is_incubator_manager:
        return qs.filter(incubator_id=user.incubator_id)
    if user.is_firm_member:
        return qs.filter(pk=user.firm_id)
    return qs.none()


def agencies_visible_to(user):
    """Officers see every agency; staff their own; firms and managers the approved directory."""
    qs = Agency.objects.all()
    if _anonymous(user):
        return qs.none()
    if user.is_programme_officer:
        return qs
    if user.is_agency_staff:
        return qs.filter(pk=user.agency_id)
    if user.is_firm_member or user.is_incubator_manager:
        return qs.filter(status=Agency.Status.APPROVED)
    return qs.none()


def service_items_visible_to(user):
    qs = ServiceItem.objects.all()
    if _anonymous(user):
        return qs.none()
    if user.is_programme_officer:
        return qs
    return qs.filter(is_active=True)


def programme_years_visible_to(user):
    if _anonymous(user):
        return ProgrammeYear.objects.none()
    return ProgrammeYear.objects.prefetch_related("package_items__service_item")


def parks_visible_to(user):
    return HighTechPark.objects.all()


def audit_events_visible_to(user):
    qs = AuditEvent.objects.select_related("actor", "subject_type")
    if _anonymous(user):
        return qs.none()
    if user.is_programme_officer:
        return qs
    scope = Q(actor=user)
    if user.is_firm_member:
        scope |= Q(firm_id=user.firm_id)
    if user.is_agency_staff:
        scope |= Q(agency_id=user.agency_id)
    if user.is_incubator_manager:
        scope |= Q(incubator_id=user.incubator_id)
    return qs.filter(scope)


def users_visible_to(user):
    """People a user may see: themselves, their colleagues, and for officers everyone."""
    qs = User.objects.all()
    if _anonymous(user):
        return qs.none()
    if user.is_programme_officer:
        return qs
    scope = Q(pk=user.pk)
    if user.is_firm_member:
        scope |= Q(firm_id=user.firm_id)
    if user.is_agency_staff:
        scope |= Q(agency_id=user.agency_id)
    if user.is_incubator_manager:
        scope |= Q(incubator_id=user.incubator_id) | Q(firm__incubator_id=user.incubator_id)
    return qs.filter(scope)


def firm_get_for_user(*, user, firm_id):
    return get_object_or_404(firms_visible_to(user), pk=firm_id)


def agency_get_for_user(*, user, agency_id):
    return get_object_or_404(agencies_visible_to(user), pk=agency_id)


def incubator_get_for_user(*, user, incubator_id):
    return get_object_or_404(incubators_visible_to(user), pk=incubator_id)


def firms_pending_for_manager(user):
    """Sign-ups waiting for this manager's confirmation (all of them for officers)."""
    return firms_visible_to(user).filter(verification=Firm.Verification.PENDING)


def agencies_pending_approval(user):
    if _anonymous(user) or not user.is_programme_officer:
        return Agency.objects.none()
    return Agency.objects.filter(status=Agency.Status.APPLIED)
