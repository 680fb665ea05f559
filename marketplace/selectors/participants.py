"""Participants as each user may see them: incubators, firms, agencies, parks and people.

Each `*_visible_to(user)` returns the queryset of what `user` may see; the
`*_get_for_user` helpers raise Http404 for anything outside it, so another
tenant's object cannot be told apart from one that does not exist.
"""

import datetime

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from core.selectors import is_signed_in
from marketplace.models import (
    Agency,
    Firm,
    HighTechPark,
    Incubator,
    User,
)


def is_anonymous(user):
    return not is_signed_in(user)


def incubators_visible_to(user):
    qs = Incubator.objects.select_related("park")
    if is_anonymous(user):
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
    if is_anonymous(user):
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
    if is_anonymous(user):
        return qs.none()
    if user.is_programme_officer:
        return qs
    if user.is_agency_staff:
        return qs.filter(pk=user.agency_id)
    if user.is_firm_member or user.is_incubator_manager:
        return qs.filter(status=Agency.Status.APPROVED)
    return qs.none()


def parks_visible_to(user):
    return HighTechPark.objects.all()


def users_visible_to(user):
    """People a user may see: themselves, their colleagues, and for officers everyone."""
    qs = User.objects.all()
    if is_anonymous(user):
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


# Licences ending within this many days are flagged wherever an agency is shown, and the
# programme office is asked to follow them up, so that they are renewed in time.
LICENCE_WARNING_DAYS = 90


def agencies_licence_ending(user, *, today, within_days=LICENCE_WARNING_DAYS):
    """Approved agencies `user` sees whose licence ended or ends within `within_days`,
    soonest first."""
    return (
        agencies_visible_to(user)
        .filter(
            status=Agency.Status.APPROVED,
            licence_valid_until__lt=today + datetime.timedelta(days=within_days),
        )
        .order_by("licence_valid_until", "name")
    )


def agencies_pending_approval(user):
    if is_anonymous(user) or not user.is_programme_officer:
        return Agency.objects.none()
    return Agency.objects.filter(status=Agency.Status.APPLIED)


def incubators_open_for_signup():
    """Incubators a firm may name when it signs up: the programme serves only these levels."""
    return Incubator.objects.filter(
        level__in=[Incubator.Level.NATIONAL, Incubator.Level.PROVINCIAL]
    ).order_by("name")


def incubators_with_firm_counts(user):
    return (
        incubators_visible_to(user)
        .annotate(
            firm_count=Count("firms", distinct=True),
            verified_count=Count(
                "firms", filter=Q(firms__verification=Firm.Verification.VERIFIED), distinct=True
            ),
            pending_count=Count(
                "firms", filter=Q(firms__verification=Firm.Verification.PENDING), distinct=True
            ),
        )
        .order_by("name")
    )


def firm_counts_by_verification(user):
    """{verification: count} over the firms `user` may see, every state present."""
    counts = dict(
        firms_visible_to(user)
        .order_by()
        .values_list("verification")
        .annotate(n=Count("pk"))
        .values_list("verification", "n")
    )
    return {state: counts.get(state, 0) for state in Firm.Verification.values}


def agency_counts_by_status(user):
    """{status: count} over the agencies `user` may see, every state present."""
    counts = dict(
        agencies_visible_to(user)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {state: counts.get(state, 0) for state in Agency.Status.values}


# --- Requests, offers, engagements ---------------------------------------------------


def scoped_to_parties(user, qs, *, firm, agency, incubator):
    """Officers see all of `qs`; each party role the rows whose lookup names its own firm,
    agency or incubator; everyone else nothing."""
    if is_anonymous(user):
        return qs.none()
    if user.is_programme_officer:
        return qs
    if user.is_firm_member:
        return qs.filter(**{firm: user.firm_id})
    if user.is_agency_staff:
        return qs.filter(**{agency: user.agency_id})
    if user.is_incubator_manager:
        return qs.filter(**{incubator: user.incubator_id})
    return qs.none()
