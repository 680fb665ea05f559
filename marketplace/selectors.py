"""Permission-scoped reads: every view and API reads participants through these.

Each `*_visible_to(user)` returns the queryset of what `user` may see; the
`*_get_for_user` helpers raise Http404 for anything outside it, so another
tenant's object cannot be told apart from one that does not exist.
"""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.models import AuditEvent, Notification
from marketplace.models import (
    Agency,
    AgencyChange,
    AllocationRun,
    CustodyRequest,
    Engagement,
    Firm,
    HighTechPark,
    Incubator,
    Offer,
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


# --- Public reference data and figures (portal pages) --------------------------


def programme_figures():
    """Headline counts for the public home page; they name no participant."""
    return {
        "incubators": Incubator.objects.filter(
            level__in=[Incubator.Level.NATIONAL, Incubator.Level.PROVINCIAL]
        ).count(),
        "verified_firms": Firm.objects.filter(verification=Firm.Verification.VERIFIED).count(),
        "approved_agencies": Agency.objects.filter(status=Agency.Status.APPROVED).count(),
    }


def programme_year_open(today=None):
    """The programme year taking applications on `today`, with its package; None between years."""
    today = today or timezone.localdate()
    return (
        ProgrammeYear.objects.filter(opens_on__lte=today, closes_on__gte=today)
        .prefetch_related("package_items__service_item")
        .order_by("-year")
        .first()
    )


def incubators_open_for_signup():
    """Incubators a firm may name when it signs up: the programme serves only these levels."""
    return Incubator.objects.filter(
        level__in=[Incubator.Level.NATIONAL, Incubator.Level.PROVINCIAL]
    ).order_by("name")


def service_items_offered():
    """The active catalogue, public so that agencies can pick their items when they apply."""
    return ServiceItem.objects.filter(is_active=True).order_by("area", "code")


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
    if _anonymous(user):
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


def custody_requests_visible_to(user):
    """Firms see their own requests, managers their incubator's, agencies those offered to them."""
    qs = CustodyRequest.objects.select_related("firm__incubator", "programme_year", "created_by")
    scoped = scoped_to_parties(
        user, qs, firm="firm_id", agency="offers__agency_id", incubator="firm__incubator_id"
    )
    # One request has many offers: the join to offers must not repeat it.
    return (
        scoped.distinct()
        if user is not None and user.is_authenticated and user.is_agency_staff
        else scoped
    )


def offers_visible_to(user):
    qs = Offer.objects.select_related(
        "request__firm__incubator", "request__programme_year", "agency"
    )
    return scoped_to_parties(
        user,
        qs,
        firm="request__firm_id",
        agency="agency_id",
        incubator="request__firm__incubator_id",
    )


def engagements_visible_to(user):
    qs = Engagement.objects.select_related("firm__incubator", "agency", "programme_year")
    return scoped_to_parties(
        user, qs, firm="firm_id", agency="agency_id", incubator="firm__incubator_id"
    )


def agency_changes_visible_to(user):
    qs = AgencyChange.objects.select_related("engagement__firm", "engagement__agency", "new_agency")
    return scoped_to_parties(
        user,
        qs,
        firm="engagement__firm_id",
        agency="engagement__agency_id",
        incubator="engagement__firm__incubator_id",
    )


def allocation_runs_visible_to(user):
    if _anonymous(user) or not user.is_programme_officer:
        return AllocationRun.objects.none()
    return AllocationRun.objects.select_related("programme_year", "created_by")


def notifications_for(user):
    if _anonymous(user):
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def unread_notification_count(user):
    return notifications_for(user).filter(read_at__isnull=True).count()


def custody_request_get_for_user(*, user, request_id):
    return get_object_or_404(custody_requests_visible_to(user), pk=request_id)


def offer_get_for_agency(*, user, offer_id):
    return get_object_or_404(offers_visible_to(user), pk=offer_id)


def engagement_get_for_user(*, user, engagement_id):
    return get_object_or_404(engagements_visible_to(user), pk=engagement_id)


def _events_about(model, ids):
    return Q(
        subject_type__app_label=model._meta.app_label,
        subject_type__model=model._meta.model_name,
        subject_id__in=[str(pk) for pk in ids],
    )


def audit_events_of_request(*, user, request_id):
    """The history of a custody request with its offers and engagements, oldest first.

    Raises Http404 unless `user` may see the request. Offers and engagements count
    only where their own selectors let `user` see them, so an agency reads the
    request's history and its own offers, never a rival's. (audit_events_visible_to
    cannot do this: an offer's event carries the agency, not the firm.)
    """
    request = custody_request_get_for_user(user=user, request_id=request_id)
    offer_ids = offers_visible_to(user).filter(request=request).values_list("pk", flat=True)
    engagement_ids = (
        engagements_visible_to(user).filter(request=request).values_list("pk", flat=True)
    )
    return (
        AuditEvent.objects.select_related("actor", "subject_type")
        .filter(
            _events_about(CustodyRequest, [request.pk])
            | _events_about(Offer, offer_ids)
            | _events_about(Engagement, engagement_ids)
        )
        .order_by("at", "pk")
    )


def audit_events_of_engagement(*, user, engagement_id):
    """The history of one engagement (start, changes of agency, end), oldest first.

    Raises Http404 unless `user` may see the engagement. Its events carry the firm and
    the agency but not the incubator, so the incubator's manager reaches them here
    through the engagement's own scope rather than through audit_events_visible_to.
    """
    engagement = engagement_get_for_user(user=user, engagement_id=engagement_id)
    return (
        AuditEvent.objects.select_related("actor", "subject_type")
        .filter(_events_about(Engagement, [engagement.pk]))
        .order_by("at", "pk")
    )


def programme_years():
    """Every programme year, newest first (one query; the filter form's choices)."""
    return list(ProgrammeYear.objects.order_by("-year"))


def default_year(years, today=None):
    """The year open today, else the latest that has opened, else the newest."""
    today = today or timezone.localdate()
    for year in years:
        if year.opens_on <= today <= year.closes_on:
            return year
    started = [year for year in years if year.opens_on <= today]
    return started[0] if started else (years[0] if years else None)
