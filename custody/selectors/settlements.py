"""Settlements as each user may see them, the amount a settlement would pay, and the track
record matching reads.
"""

from django.db.models import (
    Count,
    Sum,
)

from custody import deadlines as deadline_rules
from custody import settlement
from custody.models import (
    Deadline,
    Settlement,
)
from custody.selectors.scope import engagement_scoped
from custody.selectors.services import engagement_deliveries
from marketplace.selectors import engagement_get_for_user
from marketplace.track_record import Facts


def settlements_visible_to(user):
    qs = Settlement.objects.select_related("engagement__firm", "engagement__agency")
    return engagement_scoped(user, qs, "engagement__")


def track_record(agency_ids):
    """Deadlines each agency missed while it held a firm's custody, and the firms' ratings of it
    (registered with `marketplace.track_record` for matching)."""
    missed = dict(
        Deadline.objects.filter(
            responsible_agency_id__in=agency_ids,
            missed_at__isnull=False,
            kind__in=deadline_rules.TASK_KINDS,
        )
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


def settlement_preview(engagement):
    """What approving the settlement now would pay, from the confirmed records, under the
    share and cap fixed on the engagement at acceptance (not the programme's current ones)."""
    return settlement.settle(
        engagement_deliveries(engagement),
        government_share=engagement.government_share,
        copay_cap=engagement.copay_cap,
        reservation=engagement.government_amount,
    )


def engagement_with_settlement(*, user, engagement_id):
    """An engagement `user` may see (404 otherwise), with its settlement if any."""
    engagement = engagement_get_for_user(user=user, engagement_id=engagement_id)
    return engagement, settlements_visible_to(user).filter(engagement=engagement).first()
