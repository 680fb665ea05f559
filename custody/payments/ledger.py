"""Writing to the ledger and deriving balances from it.

Each movement kind moves money between two fixed accounts. A balance is what flowed into
an account minus what flowed out of it; nothing else stores one.
"""

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from custody.payments.models import LedgerEntry, Method
from marketplace.models import Engagement
from marketplace.selectors.budget import budget_committed as contracted

Account = LedgerEntry.Account
Kind = LedgerEntry.Kind
ZERO = Decimal("0.00")

# (from, to) of each movement.
ROUTES = {
    Kind.BUDGET_RESERVED: (Account.BUDGET, Account.RESERVED),
    Kind.BUDGET_RELEASED: (Account.RESERVED, Account.BUDGET),
    Kind.BUDGET_SETTLED: (Account.RESERVED, Account.AGENCY_PAYABLE),
    Kind.COPAY_RECEIVED: (Account.FIRMS, Account.COPAY_HELD),
    Kind.COPAY_REFUNDED: (Account.COPAY_HELD, Account.FIRMS),
    Kind.COPAY_EARNED: (Account.COPAY_HELD, Account.AGENCY_PAYABLE),
    Kind.COPAY_CARRIED_OUT: (Account.COPAY_HELD, Account.CARRIED),
    Kind.COPAY_CARRIED_IN: (Account.CARRIED, Account.COPAY_HELD),
    Kind.PAYOUT_SENT: (Account.AGENCY_PAYABLE, Account.AGENCIES),
    Kind.PAYOUT_FAILED: (Account.AGENCIES, Account.AGENCY_PAYABLE),
}


def currency():
    return settings.PAYMENTS_CURRENCY.upper()


def entry(
    *,
    kind,
    engagement,
    amount,
    key,
    method=Method.INTERNAL,
    stripe_object_id="",
    reference="",
    value_date=None,
    by=None,
):
    """One movement, not saved yet (record() saves it once; bulk loaders save many)."""
    source, destination = ROUTES[kind]
    return LedgerEntry(
        key=key,
        kind=kind,
        engagement=engagement,
        programme_year_id=engagement.programme_year_id,
        source=source,
        destination=destination,
        amount=Decimal(amount).quantize(Decimal("0.01")),
        currency=currency(),
        method=method,
        stripe_object_id=stripe_object_id,
        reference=reference,
        value_date=value_date or timezone.localdate(),
        recorded_by=by if by is not None and by.is_authenticated else None,
    )


def record(*, kind, engagement, amount, key, **details):
    """Append one movement; a movement whose key is already recorded is not written again.

    Returns the entry, or None when the amount is zero or the key was already there.
    """
    movement = entry(kind=kind, engagement=engagement, amount=amount, key=key, **details)
    if movement.amount < 0:
        raise ValueError("A ledger movement is never negative; record the opposite kind.")
    if movement.amount == 0:
        return None
    try:
        with transaction.atomic():
            movement.save()
            return movement
    except IntegrityError:
        if LedgerEntry.objects.filter(key=key).exists():
            return None
        raise


def balances(entries):
    """{account: balance} over a queryset of entries, in two aggregate queries."""
    result = defaultdict(lambda: ZERO)
    for row in entries.order_by().values("destination").annotate(total=Sum("amount")):
        result[row["destination"]] += row["total"]
    for row in entries.order_by().values("source").annotate(total=Sum("amount")):
        result[row["source"]] -= row["total"]
    return {account: result[account] for account in Account.values}


def engagement_balances(engagement):
    return balances(LedgerEntry.objects.filter(engagement=engagement))


def totals_by_kind(entries):
    rows = entries.order_by().values("kind").annotate(total=Sum("amount"))
    totals = dict.fromkeys(Kind.values, ZERO)
    totals.update({row["kind"]: row["total"] for row in rows})
    return totals


def copay_held(engagement):
    """The co-payment the platform holds for an engagement (received, not refunded or earned)."""
    return engagement_balances(engagement)[Account.COPAY_HELD]


def budget_committed(programme_year):
    """The budget committed according to the ledger: reserved plus settled."""
    return -balances(LedgerEntry.objects.filter(programme_year=programme_year))[Account.BUDGET]


def differences(programme_year):
    """Where the ledger disagrees with the engagements it records, one line per difference.

    Checks each engagement's reservation against its status and amounts, that no co-payment
    account is negative, and the year's committed budget against the contracting rule.
    """

    problems = []
    reserved = defaultdict(lambda: ZERO)
    held = defaultdict(lambda: ZERO)
    entries = LedgerEntry.objects.filter(programme_year=programme_year)
    for row in (
        entries.order_by()
        .values("engagement", "source", "destination")
        .annotate(total=Sum("amount"))
    ):
        if row["destination"] == Account.RESERVED:
            reserved[row["engagement"]] += row["total"]
        if row["source"] == Account.RESERVED:
            reserved[row["engagement"]] -= row["total"]
        if row["destination"] == Account.COPAY_HELD:
            held[row["engagement"]] += row["total"]
        if row["source"] == Account.COPAY_HELD:
            held[row["engagement"]] -= row["total"]
    engagements = Engagement.objects.filter(programme_year=programme_year).only(
        "pk", "status", "government_amount"
    )
    for engagement in engagements:
        expected = (
            engagement.government_amount
            if engagement.status in (Engagement.Status.AWAITING_PAYMENT, Engagement.Status.ACTIVE)
            # A transferred engagement settled what was delivered when the agency changed.
            else ZERO
        )
        if reserved[engagement.pk] != expected:
            problems.append(
                {
                    "engagement": engagement.pk,
                    "check": "reserved",
                    "expected": expected,
                    "ledger": reserved[engagement.pk],
                }
            )
        if held[engagement.pk] < 0:
            problems.append(
                {
                    "engagement": engagement.pk,
                    "check": "copay_held",
                    "expected": ZERO,
                    "ledger": held[engagement.pk],
                }
            )
    expected_total = contracted(programme_year)
    ledger_total = budget_committed(programme_year)
    if expected_total != ledger_total:
        problems.append(
            {
                "engagement": None,
                "check": "budget_committed",
                "expected": expected_total,
                "ledger": ledger_total,
            }
        )
    return problems


def entries_for(*, programme_year=None, engagement=None):
    entries = LedgerEntry.objects.select_related("engagement__firm", "engagement__agency")
    if programme_year is not None:
        entries = entries.filter(programme_year=programme_year)
    if engagement is not None:
        entries = entries.filter(engagement=engagement)
    return entries


def stripe_entries(since=None):
    entries = LedgerEntry.objects.filter(method=Method.STRIPE).exclude(stripe_object_id="")
    if since is not None:
        entries = entries.filter(Q(created_at__gte=since))
    return entries
