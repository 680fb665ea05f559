"""Money that follows an engagement's moves: the budget reservation, the co-payment carried
over a change of agency, refunds of what was not delivered and the agency's pay.

Called inside the move's transaction (custody.receivers for the marketplace's moves, the
settlement for its own).
"""

from django.utils.translation import gettext as _

from custody.payments import ledger
from custody.payments.actions.common import (
    ZERO,
    Kind,
)
from custody.payments.actions.copayments import copayment_cancel, copayment_open, lock_copayment
from custody.payments.actions.payouts import open_payout
from custody.payments.actions.refunds import refund_excess
from custody.payments.models import CoPayment, LedgerEntry

# --- Money that follows an engagement's moves (custody.receivers, the settlement) ---------


def engagement_opened(engagement, *, now, copay_due=True):
    """A new engagement reserves its government amount; the firm owes its co-payment.

    copay_due=False for the successor of a change of agency: what the firm paid moves with it.
    """
    ledger.record(
        kind=Kind.BUDGET_RESERVED,
        engagement=engagement,
        amount=engagement.government_amount,
        key=f"reserve:engagement:{engagement.pk}",
    )
    copayment_open(engagement, now=now, copay_due=copay_due)


def engagement_transferred(*, old, new, released, now, by=None):
    """A change of agency: the old agency is paid for what the firm confirmed (the government
    part settles from the reservation, the firm's part from its co-payment), the rest of the
    reservation goes back and the new engagement reserves its own; the unspent co-payment
    moves with the firm."""
    ledger.record(
        kind=Kind.BUDGET_SETTLED,
        engagement=old,
        amount=old.government_amount,
        key=f"settle:engagement:{old.pk}:transfer",
    )
    ledger.record(
        kind=Kind.BUDGET_RELEASED,
        engagement=old,
        amount=released,
        key=f"release:engagement:{old.pk}:transfer",
    )
    old_copayment = lock_copayment(old.pk)
    still_due = old_copayment.status == CoPayment.Status.DUE
    if still_due:
        copayment_cancel(old_copayment)
    held = ledger.copay_held(old)
    earned = min(held, old.copay_amount)
    ledger.record(
        kind=Kind.COPAY_EARNED,
        engagement=old,
        amount=earned,
        key=f"earn:engagement:{old.pk}:transfer",
    )
    engagement_opened(new, now=now, copay_due=still_due)
    carried = held - earned
    ledger.record(
        kind=Kind.COPAY_CARRIED_OUT,
        engagement=old,
        amount=carried,
        key=f"carry_out:engagement:{old.pk}",
    )
    ledger.record(
        kind=Kind.COPAY_CARRIED_IN,
        engagement=new,
        amount=carried,
        key=f"carry_in:engagement:{new.pk}",
    )
    payable = old.government_amount + earned
    if payable > 0:
        open_payout(old, amount=payable, key=f"payout-engagement-{old.pk}-transferred")


def engagement_cancelled(
    engagement, *, by, reason, delivered_government=ZERO, delivered_copay=ZERO
):
    """A cancelled engagement pays the agency for the work the firm confirmed (the government's
    part settles from the reservation, the firm's from its co-payment), gives the rest of the
    reservation back and refunds the unused co-payment."""
    reserved = ledger.engagement_balances(engagement)[LedgerEntry.Account.RESERVED]
    settled = min(max(delivered_government, ZERO), reserved)
    ledger.record(
        kind=Kind.BUDGET_SETTLED,
        engagement=engagement,
        amount=settled,
        key=f"settle:engagement:{engagement.pk}:cancel",
    )
    ledger.record(
        kind=Kind.BUDGET_RELEASED,
        engagement=engagement,
        amount=reserved - settled,
        key=f"release:engagement:{engagement.pk}:cancel",
    )
    copayment = lock_copayment(engagement.pk)
    if copayment.status == CoPayment.Status.DUE:
        copayment_cancel(copayment)
    # The firm's share of what was delivered is the agency's; the rest goes back to the firm.
    earned = min(ledger.copay_held(engagement), delivered_copay)
    ledger.record(
        kind=Kind.COPAY_EARNED,
        engagement=engagement,
        amount=earned,
        key=f"cancel:engagement:{engagement.pk}:earn",
    )
    refund_excess(engagement, keep=ZERO, by=by, reason=reason)
    if settled + earned > 0:
        open_payout(
            engagement, amount=settled + earned, key=f"payout-engagement-{engagement.pk}-cancelled"
        )


def engagement_settled(engagement, settlement, *, by, result):
    """An approved settlement: the agency is owed the government amount and the co-payment
    for what it delivered; the rest of the reservation and of the co-payment go back."""
    key = f"settlement:{settlement.pk}"
    ledger.record(
        kind=Kind.BUDGET_SETTLED, engagement=engagement, amount=result.amount, key=f"{key}:settle"
    )
    ledger.record(
        kind=Kind.BUDGET_RELEASED,
        engagement=engagement,
        amount=result.released,
        key=f"{key}:release",
    )
    held = ledger.copay_held(engagement)
    earned = min(held, result.split_copay)
    ledger.record(kind=Kind.COPAY_EARNED, engagement=engagement, amount=earned, key=f"{key}:earn")
    refund_excess(
        engagement, keep=ZERO, by=by, reason=_("Services not delivered under the engagement")
    )
    return open_payout(
        engagement,
        amount=result.amount + earned,
        key=f"payout-settlement-{settlement.pk}",
        settlement=settlement,
    )
