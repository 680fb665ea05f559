"""Service records and their evidence as each user may see them, and delivery against quotas."""

import datetime

from django.db.models import (
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from custody import settlement
from custody.models import (
    EvidenceFile,
    ServiceRecord,
)
from custody.selectors.deadlines import deadlines_visible_to
from custody.selectors.scope import engagement_scoped
from marketplace import deliveries
from marketplace.models import Engagement, Firm


def service_records_visible_to(user):
    qs = ServiceRecord.objects.select_related(
        "engagement__firm", "engagement__agency", "item__service_item", "logged_by"
    )
    return engagement_scoped(user, qs, "engagement__")


def evidence_visible_to(user):
    """Evidence of records and deadlines the user may see, and nothing else."""
    records = service_records_visible_to(user).values("pk")
    deadlines = deadlines_visible_to(user).values("pk")
    return EvidenceFile.objects.filter(service_record__in=records) | EvidenceFile.objects.filter(
        deadline__in=deadlines
    )


def service_record_get_for_user(*, user, record_id):
    return get_object_or_404(service_records_visible_to(user), pk=record_id)


def evidence_get_for_user(*, user, evidence_id):
    return get_object_or_404(evidence_visible_to(user), pk=evidence_id)


# The years a quarterly report can be asked for (the programme's records start in 2000).
REPORT_YEARS = range(2000, 2101)


def quarter_bounds(year, quarter):
    """First and last day of a calendar quarter; ValueError outside 1–4 or REPORT_YEARS."""
    if not 1 <= quarter <= 4:
        raise ValueError(f"no quarter {quarter}")
    if year not in REPORT_YEARS:
        raise ValueError(f"no report for the year {year}")
    first = datetime.date(year, 3 * quarter - 2, 1)
    following = (
        datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    )
    return first, following - datetime.timedelta(days=1)


def quarter_of(day):
    return day.year, (day.month - 1) // 3 + 1


def _summed(status, until=None, since=None):
    condition = Q(service_records__status=status)
    if until is not None:
        condition &= Q(service_records__delivered_on__lte=until)
    if since is not None:
        condition &= Q(service_records__delivered_on__gte=since)
    return Coalesce(
        Sum("service_records__quantity", filter=condition), 0, output_field=IntegerField()
    )


def engagement_items_with_progress(engagement, *, since=None, until=None):
    """The engagement's items with `confirmed` and `pending` quantities, in one query.

    With `since`/`until`, only deliveries dated in that span count.
    """
    return (
        engagement.items.select_related("service_item")
        .annotate(
            confirmed=_summed(ServiceRecord.Status.CONFIRMED, until=until, since=since),
            pending=_summed(ServiceRecord.Status.PENDING, until=until, since=since),
        )
        .order_by("service_item__area", "service_item__code")
    )


def progress_rows(items):
    """[{item, progress}] for items annotated by engagement_items_with_progress."""
    return [
        {
            "item": item,
            "progress": settlement.progress(
                quota=item.quota, confirmed=item.confirmed, pending=item.pending
            ),
        }
        for item in items
    ]


def engagement_deliveries(engagement):
    """The plain facts the settlement arithmetic works on."""
    return [
        settlement.ItemDelivery(
            ref=item.pk,
            name=item.service_item.name,
            quota=item.quota,
            unit_price=item.unit_price,
            confirmed=item.confirmed,
        )
        for item in engagement_items_with_progress(engagement)
    ]


def delivered_under(engagement):
    """What the firm confirmed under `engagement`, per service item, and the records still
    waiting for it (registered with `marketplace.deliveries` for a change of agency)."""
    items = engagement_items_with_progress(engagement)
    return deliveries.Delivered(
        confirmed={item.service_item_id: item.confirmed for item in items},
        pending_records=ServiceRecord.objects.filter(
            engagement=engagement, status=ServiceRecord.Status.PENDING
        ).count(),
    )


def service_records_of_engagement(*, user, engagement):
    """The engagement's records `user` may see, with their evidence, in a fixed number of queries."""
    return (
        service_records_visible_to(user)
        .filter(engagement=engagement)
        .select_related("decided_by")
        .prefetch_related(
            Prefetch("evidence", queryset=EvidenceFile.objects.order_by("uploaded_at", "id"))
        )
    )


def firm_get_for_report(*, user, firm_id, year, quarter):
    """The firm whose report for the quarter `user` may read, else 404.

    Its members, its incubator's manager and the programme office read it; an
    agency reads it while it holds the firm's custody or when it did during the
    quarter.
    """
    try:
        first, last = quarter_bounds(year, quarter)
    except ValueError:
        raise Http404 from None
    qs = Firm.objects.select_related("incubator")
    if user is None or not user.is_authenticated or not user.is_active:
        qs = qs.none()
    elif user.is_programme_officer:
        pass
    elif user.is_firm_member:
        qs = qs.filter(pk=user.firm_id)
    elif user.is_incubator_manager:
        qs = qs.filter(incubator_id=user.incubator_id)
    elif user.is_agency_staff:
        custody = Engagement.objects.filter(firm_id=OuterRef("pk"), agency_id=user.agency_id)
        qs = qs.filter(
            Exists(
                custody.filter(
                    Q(status=Engagement.Status.ACTIVE) | Q(starts_on__lte=last, ends_on__gte=first)
                )
            )
        )
    else:
        qs = qs.none()
    return get_object_or_404(qs, pk=firm_id)
