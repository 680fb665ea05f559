"""The ledger against Stripe's balance transactions: every difference, one line each.

Stripe's side is its balance transactions (charges, refunds, transfers), summed by the
object they come from; the ledger's side is every movement recorded as online, signed as
it moves the platform's Stripe balance. A line appears when an object is on one side only
or the amounts differ; an empty report means the two agree.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from custody.payments import gateway, ledger
from custody.payments.models import LedgerEntry

Kind = LedgerEntry.Kind
# Balance transactions that move engagement money; the rest (top-ups from the programme's
# bank account, payouts of the platform's balance to it, fees) are totalled apart.
ENGAGEMENT_TYPES = {"charge", "payment", "refund", "payment_refund", "transfer"}
# How each online movement changes the platform's Stripe balance.
SIGN = {
    Kind.COPAY_RECEIVED: 1,
    Kind.COPAY_REFUNDED: -1,
    Kind.PAYOUT_SENT: -1,
    Kind.PAYOUT_FAILED: 1,
}


@dataclass(frozen=True)
class Difference:
    stripe_object_id: str
    description: str
    ledger_amount: Decimal
    stripe_amount: Decimal
    engagement_id: int | None

    @property
    def difference(self):
        return self.stripe_amount - self.ledger_amount


@dataclass(frozen=True)
class Report:
    differences: list
    ledger_total: Decimal
    stripe_total: Decimal
    objects_compared: int
    # {balance transaction type: total} of what is not engagement money (e.g. top-ups).
    other: dict

    @property
    def balanced(self):
        return not self.differences


def _stripe_side(since):
    params = {"limit": 100}
    if since is not None:
        params["created"] = {"gte": int(since.timestamp())}
    amounts = defaultdict(lambda: Decimal("0.00"))
    other = defaultdict(lambda: Decimal("0.00"))
    kinds = {}
    for txn in gateway.client().v1.balance_transactions.list(params=params).auto_paging_iter():
        if txn.type not in ENGAGEMENT_TYPES:
            other[txn.type] += gateway.from_minor(txn.amount)
            continue
        source = gateway.object_id(txn.source)
        amounts[source] += gateway.from_minor(txn.amount)
        kinds[source] = txn.type
    return amounts, kinds, dict(other)


def _ledger_side(since):
    amounts = defaultdict(lambda: Decimal("0.00"))
    engagements = {}
    for entry in ledger.stripe_entries(since).filter(kind__in=SIGN):
        amounts[entry.stripe_object_id] += SIGN[entry.kind] * entry.amount
        engagements[entry.stripe_object_id] = entry.engagement_id
    return amounts, engagements


def reconcile(since=None):
    stripe_amounts, stripe_kinds, other = _stripe_side(since)
    ledger_amounts, engagements = _ledger_side(since)
    differences = []
    for object_id in sorted(set(stripe_amounts) | set(ledger_amounts)):
        in_stripe, in_ledger = object_id in stripe_amounts, object_id in ledger_amounts
        stripe_amount = stripe_amounts.get(object_id, Decimal("0.00"))
        ledger_amount = ledger_amounts.get(object_id, Decimal("0.00"))
        if in_stripe and in_ledger and stripe_amount == ledger_amount:
            continue
        if not in_ledger:
            description = _("In Stripe (%(type)s), not in the ledger") % {
                "type": stripe_kinds[object_id]
            }
        elif not in_stripe:
            description = _("In the ledger, not in Stripe")
        else:
            description = _("Amounts differ")
        differences.append(
            Difference(
                stripe_object_id=object_id,
                description=description,
                ledger_amount=ledger_amount,
                stripe_amount=stripe_amount,
                engagement_id=engagements.get(object_id),
            )
        )
    return Report(
        differences=differences,
        ledger_total=sum(ledger_amounts.values(), Decimal("0.00")),
        stripe_total=sum(stripe_amounts.values(), Decimal("0.00")),
        objects_compared=len(set(stripe_amounts) | set(ledger_amounts)),
        other=other,
    )
