"""Permission-scoped reads of the custody workspace.

Portfolio and deadlines belong to a firm: the firm's members, the agency holding
an active engagement for it, its incubator's manager and the programme office see
them. Service records, evidence and settlements belong to an engagement and are
seen by its parties. Anything outside gives 404 through the `*_get_for_user` helpers.
"""

import datetime

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.shortcuts import get_object_or_404

from custody import reminders
from custody.models import (
    CalendarFeed,
    Deadline,
    EvidenceFile,
    IPAsset,
    ServiceRecord,
    Settlement,
)
from marketplace.models import Engagement, Firm
from marketplace.selectors import scoped_to_parties
from marketplace.track_record import Facts


def _in_custody_of(agency_id):
    """Rows whose firm is under an active engagement with the agency."""
    return Exists(
        Engagement.objects.filter(
            firm_id=OuterRef("firm_id"), agency_id=agency_id, status=Engagement.Status.ACTIVE
        )
    )


def _firm_scoped(user, qs):
    """Rows of firms the user may see; an agency sees the firms in its active custody."""
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.is_programme_officer:
        return qs
    if user.is_firm_member:
        return qs.filter(firm_id=user.firm_id)
    if user.is_agency_staff:
        return qs.filter(_in_custody_of(user.agency_id))
    if user.is_incubator_manager:
        return qs.filter(firm__incubator_id=user.incubator_id)
    return qs.none()


def assets_visible_to(user):
    return _firm_scoped(user, IPAsset.objects.select_related("firm"))


def deadlines_visible_to(user):
    return _firm_scoped(user, Deadline.objects.select_related("asset", "firm"))


def _engagement_scoped(user, qs, prefix):
    return scoped_to_parties(
        user,
        qs,
        firm=f"{prefix}firm_id",
        agency=f"{prefix}agency_id",
        incubator=f"{prefix}firm__incubator_id",
    )


def service_records_visible_to(user):
    qs = ServiceRecord.objects.select_related(
        "engagement__firm", "engagement__agency", "item__service_item", "logged_by"
    )
    return _engagement_scoped(user, qs, "engagement__")


def settlements_visible_to(user):
    qs = Settlement.objects.select_related("engagement__firm", "engagement__agency")
    return _engagement_scoped(user, qs, "engagement__")


def evidence_visible_to(user):
    """Evidence of records and deadlines the user may see, and nothing else."""
    records = service_records_visible_to(user).values("pk")
    deadlines = deadlines_visible_to(user).values("pk")
    return EvidenceFile.objects.filter(service_record__in=records) | EvidenceFile.objects.filter(
        deadline__in=deadlines
    )


def asset_get_for_user(*, user, asset_id):
    return get_object_or_404(assets_visible_to(user), pk=asset_id)


def deadline_get_for_user(*, user, deadline_id):
    return get_object_or_404(deadlines_visible_to(user), pk=deadline_id)


def service_record_get_for_user(*, user, record_id):
    return get_object_or_404(service_records_visible_to(user), pk=record_id)


def evidence_get_for_user(*, user, evidence_id):
    return get_object_or_404(evidence_visible_to(user), pk=evidence_id)


# --- Deadline board and calendar feed ----------------------------------------------------

BOARD_STATES = {
    "open": Q(done_at__isnull=True, missed_at__isnull=True),
    "done": Q(done_at__isnull=False),
    "missed": Q(missed_at__isnull=False),
}


def deadline_board(user, *, today, firm_id=None, kind="", state="", within_days=None):
    """The deadlines `user` may see, most urgent first: overdue or in grace, then by due date.

    One query for the rows whatever their number: the agency's engagement (for
    links) is a subquery, asset and firm are joined.
    """
    qs = deadlines_visible_to(user).annotate(
        urgency=Case(
            When(done_at__isnull=False, then=Value(reminders.DONE)),
            When(missed_at__isnull=False, then=Value(reminders.MISSED)),
            When(due_on__lt=today, then=Value(reminders.OVERDUE)),
            default=Value(reminders.UPCOMING),
            output_field=IntegerField(),
        )
    )
    if firm_id:
        qs = qs.filter(firm_id=firm_id)
    if kind:
        qs = qs.filter(kind=kind)
    if state in BOARD_STATES:
        qs = qs.filter(BOARD_STATES[state])
    if within_days is not None:
        qs = qs.filter(due_on__lte=today + datetime.timedelta(days=within_days))
    if user.is_authenticated and user.is_agency_staff:
        qs = qs.annotate(
            engagement_id=Subquery(
                Engagement.objects.filter(
                    firm_id=OuterRef("firm_id"),
                    agency_id=user.agency_id,
                    status=Engagement.Status.ACTIVE,
                )
                .order_by("-programme_year__year")
                .values("pk")[:1]
            )
        )
    return qs.order_by("urgency", "due_on", "pk")


def deadline_firms_visible_to(user):
    """The firms whose deadlines `user` sees, for the board's firm filter."""
    qs = Firm.objects.order_by("name")
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.is_agency_staff:
        return qs.filter(
            Exists(
                Engagement.objects.filter(
                    firm_id=OuterRef("pk"),
                    agency_id=user.agency_id,
                    status=Engagement.Status.ACTIVE,
                )
            )
        )
    if user.is_firm_member:
        return qs.filter(pk=user.firm_id)
    if user.is_incubator_manager:
        return qs.filter(incubator_id=user.incubator_id)
    if user.is_programme_officer:
        return qs
    return qs.none()


def calendar_feed_get(*, token):
    """The feed behind a secret address; an unknown (or revoked) token is a 404."""
    return get_object_or_404(
        CalendarFeed.objects.select_related("user").filter(user__is_active=True), token=token
    )


def calendar_feed_deadlines(feed, *, today, past_days=90):
    """What a feed lists: the deadlines its user may see, from `past_days` ago on."""
    since = today - datetime.timedelta(days=past_days)
    return (
        deadlines_visible_to(feed.user)
        .filter(Q(grace_ends_on__gte=since) | Q(due_on__gte=since))
        .order_by("due_on", "pk")
    )


# --- Portfolio pages ---------------------------------------------------------------------


def portfolio_firm_get_for_user(*, user, firm_id):
    """The firm whose portfolio `user` may see (the people assets_visible_to lets in), else 404.

    A firm with no asset yet still has a portfolio page, so this scopes the firm itself.
    """
    return get_object_or_404(
        deadline_firms_visible_to(user).select_related("incubator"), pk=firm_id
    )


def portfolio_assets(user, *, firm, kind="", status="", search=""):
    """The firm's assets `user` may see, each with its next open deadline; one query for the rows."""
    qs = assets_visible_to(user).filter(firm=firm)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    search = (search or "").strip()
    if search:
        # Numbers are stored compact and upper-case; people type them with spaces.
        compact = "".join(search.split()).upper()
        qs = qs.filter(
            Q(number__icontains=compact) | Q(number__icontains=search) | Q(title__icontains=search)
        )
    upcoming = Deadline.objects.filter(
        asset_id=OuterRef("pk"), done_at__isnull=True, missed_at__isnull=True
    ).order_by("due_on", "pk")
    return qs.annotate(
        next_deadline_id=Subquery(upcoming.values("pk")[:1]),
        next_deadline_kind=Subquery(upcoming.values("kind")[:1]),
        next_deadline_fee_year=Subquery(upcoming.values("fee_year")[:1]),
        next_deadline_due_on=Subquery(upcoming.values("due_on")[:1]),
    ).order_by("kind", "number", "pk")


def track_record(agency_ids):
    """Deadlines each agency missed while it held a firm's custody, and the firms' ratings of it
    (registered with `marketplace.track_record` for matching)."""
    missed = dict(
        Deadline.objects.filter(responsible_agency_id__in=agency_ids, missed_at__isnull=False)
        .values("responsible_agency_id")
        .annotate(count=Count("pk"))
        .values_list("responsible_agency_id", "count")
    )
    ratings = {
        agency_id: (rating_sum, rating_count)
        for agency_id, rating_sum, rating_count in Settlement.objects.filter(
            engagement__agency_id__in=agency_ids
        )
        .values("engagement__agency_id")
        .annotate(rating_sum=Sum("rating"), rating_count=Count("pk"))
        .values_list("engagement__agency_id", "rating_sum", "rating_count")
    }
    return {
        agency_id: Facts(
            missed_deadlines=missed.get(agency_id, 0),
            rating_sum=float(ratings.get(agency_id, (0, 0))[0] or 0),
            rating_count=ratings.get(agency_id, (0, 0))[1],
        )
        for agency_id in set(missed) | set(ratings)
    }
