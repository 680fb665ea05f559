"""How much of a programme year's budget is committed, and how much is left."""

from decimal import Decimal

from django.db.models import Case, F, Sum, Value, When
from django.db.models.functions import Coalesce

from marketplace.models import (
    Engagement,
)

# Engagements whose government amount counts against the budget.
BUDGET_STATUSES = (
    Engagement.Status.AWAITING_PAYMENT,
    Engagement.Status.ACTIVE,
    Engagement.Status.COMPLETED,
    Engagement.Status.TRANSFERRED,
)


ZERO = Value(Decimal("0.00"))


# --- Helpers ----------------------------------------------------------------------


def budget_committed(programme_year):
    """Reservations of running engagements, plus what completed ones were settled at."""
    # A completed engagement with an approved settlement (custody.Settlement) holds only the
    # settled amount; the rest of its reservation is back in the budget.
    committed = Case(
        When(
            status=Engagement.Status.COMPLETED,
            settlement__status="approved",
            settlement__amount__isnull=False,
            then=F("settlement__amount"),
        ),
        # A cancelled engagement keeps what it paid the agency for confirmed work.
        When(status=Engagement.Status.CANCELLED, then=Coalesce("cancel_settled_amount", ZERO)),
        default=F("government_amount"),
    )
    total = Engagement.objects.filter(
        programme_year=programme_year,
        status__in=(*BUDGET_STATUSES, Engagement.Status.CANCELLED),
    ).aggregate(total=Sum(committed))["total"]
    return total or Decimal("0.00")


def budget_left(programme_year):
    return programme_year.budget - budget_committed(programme_year)
