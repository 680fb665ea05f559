"""A firm's custody report for one quarter: portfolio, deadlines, services against quotas.

`firm_quarter_report` reads; call it only for a firm the reader may see
(custody.selectors.firm_get_for_report decides that). The page and the
PDF (custody.report_pdf) render the same plain dictionary.
"""

from collections import Counter

from django.utils import timezone

from core import money
from custody import selectors as custody_selectors
from custody import settlement
from custody.models import Deadline, IPAsset
from marketplace.models import Engagement


def adjacent_quarters(year, quarter):
    """((year, quarter) before, (year, quarter) after)."""
    previous = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    following = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return previous, following


def firm_quarter_report(*, firm, year, quarter):
    first, last = custody_selectors.quarter_bounds(year, quarter)
    assets = list(IPAsset.objects.filter(firm=firm).order_by("kind", "number"))
    kinds = Counter(asset.kind for asset in assets)
    deadlines = Deadline.objects.filter(firm=firm).select_related("asset")
    met = list(
        deadlines.filter(done_at__date__gte=first, done_at__date__lte=last).order_by("due_on", "pk")
    )
    missed = list(
        deadlines.filter(missed_at__date__gte=first, missed_at__date__lte=last).order_by(
            "due_on", "pk"
        )
    )
    due_open = list(
        deadlines.filter(
            due_on__gte=first, due_on__lte=last, done_at__isnull=True, missed_at__isnull=True
        ).order_by("due_on", "pk")
    )
    # Each deadline with its official fee; the open ones as payable today (surcharge included).
    custody_selectors.with_fees(met + missed + due_open, today=timezone.localdate())
    fees_open = [d.fee for d in due_open if d.fee is not None]
    engagements = []
    for engagement in (
        Engagement.objects.filter(firm=firm, starts_on__lte=last, ends_on__gte=first)
        .exclude(status=Engagement.Status.CANCELLED)
        .select_related("agency", "programme_year")
        .order_by("starts_on", "pk")
    ):
        in_quarter = {
            item.pk: item
            for item in custody_selectors.engagement_items_with_progress(
                engagement, since=first, until=last
            )
        }
        rows = []
        for item in custody_selectors.engagement_items_with_progress(engagement, until=last):
            quarter_item = in_quarter[item.pk]
            rows.append(
                {
                    "item": item,
                    "quota": item.quota,
                    "quarter_confirmed": quarter_item.confirmed,
                    "quarter_pending": quarter_item.pending,
                    "confirmed": item.confirmed,
                    "pending": item.pending,
                    "progress": settlement.progress(
                        quota=item.quota, confirmed=item.confirmed, pending=item.pending
                    ),
                }
            )
        engagements.append({"engagement": engagement, "rows": rows})
    previous, following = adjacent_quarters(year, quarter)
    return {
        "firm": firm,
        "year": year,
        "quarter": quarter,
        "first": first,
        "last": last,
        "previous": previous,
        "following": following,
        "assets": assets,
        "asset_counts": [
            {"kind": kind, "label": IPAsset.Kind(kind).label, "count": kinds.get(kind, 0)}
            for kind in IPAsset.Kind.values
        ],
        "deadlines_met": met,
        "deadlines_missed": missed,
        "deadlines_open": due_open,
        "fees_open": {
            "payable": sum((fee.payable for fee in fees_open), money.ZERO),
            "reduced_payable": sum(
                (
                    fee.payable if fee.reduced_payable is None else fee.reduced_payable
                    for fee in fees_open
                ),
                money.ZERO,
            ),
        },
        "engagements": engagements,
    }
