"""Bank transfers the programme office records by hand: a co-payment received, a refund paid
to the firm, a payout made to the agency (when online payment is off, or beside it)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ActionError, InvalidTransition
from custody.payments import ledger
from custody.payments.actions.common import Kind, check_officer, lock_engagement
from custody.payments.actions.copayments import activate, lock_copayment
from custody.payments.actions.payouts import payout_sent_by_bank, payout_waiting
from custody.payments.actions.refunds import refund_paid_by_bank
from custody.payments.models import CoPayment, Method, Refund


def _check_whole(amount, due, message):
    """A bank transfer is recorded for the whole amount due, never a part of it."""
    if amount != due:
        raise ActionError(message % {"amount": due}, code="amount_mismatch", field="amount")


@transaction.atomic
def offline_payment_record(*, engagement, by, kind, amount, reference, value_date):
    """The programme office records a bank transfer: a co-payment received, a refund paid to
    the firm, or a payout paid to the agency."""
    check_officer(by)
    reference = (reference or "").strip()
    if not reference:
        raise ActionError(
            _("Please give the bank transfer reference."), code="required", field="reference"
        )
    if amount is None or amount <= 0:
        raise ActionError(_("The amount must be positive."), code="invalid", field="amount")
    if value_date > timezone.localdate():
        raise ActionError(
            _("The transfer date cannot be in the future."), code="invalid", field="value_date"
        )
    engagement = lock_engagement(engagement.pk)
    copayment = lock_copayment(engagement.pk)
    key = f"offline:{kind}:{engagement.pk}:{reference}"
    common = {
        "engagement": engagement,
        "amount": amount,
        "key": key,
        "method": Method.OFFLINE,
        "reference": reference,
        "value_date": value_date,
        "by": by,
    }
    if ledger.LedgerEntry.objects.filter(key=key).exists():
        raise ActionError(
            _("A transfer with this reference is already recorded."),
            code="duplicate",
            field="reference",
        )
    if kind == Kind.COPAY_RECEIVED:
        if copayment.status != CoPayment.Status.DUE:
            raise InvalidTransition(
                _("This co-payment is not due (%(status)s).")
                % {"status": copayment.get_status_display()},
                code=f"copayment_{copayment.status}",
            )
        _check_whole(
            amount,
            copayment.amount,
            _("The co-payment due is %(amount)s; record the whole amount."),
        )
        ledger.record(kind=Kind.COPAY_RECEIVED, **common)
        activate(engagement, copayment, method=Method.OFFLINE, now=timezone.now())
    elif kind == Kind.COPAY_REFUNDED:
        refund = engagement.refunds.filter(
            status=Refund.Status.PENDING, method=Method.OFFLINE
        ).first()
        if refund is None:
            raise InvalidTransition(
                _("No bank refund is due for this engagement."), code="no_refund_due"
            )
        _check_whole(
            amount, refund.amount, _("The refund due is %(amount)s; record the whole amount.")
        )
        ledger.record(kind=Kind.COPAY_REFUNDED, **common)
        refund_paid_by_bank(engagement=engagement, now=timezone.now())
    elif kind == Kind.PAYOUT_SENT:
        payout = payout_waiting(engagement)
        if payout is None:
            raise InvalidTransition(
                _("No payout is waiting for this engagement."), code="no_payout_due"
            )
        _check_whole(
            amount, payout.amount, _("The payout due is %(amount)s; record the whole amount.")
        )
        ledger.record(kind=Kind.PAYOUT_SENT, **common)
        payout_sent_by_bank(payout=payout, reference=reference, now=timezone.now())
    else:
        raise ActionError(_("Choose what the transfer was for."), code="invalid", field="kind")
    audit_record(
        actor=by,
        action="payment.offline_recorded",
        subject=engagement,
        data={"kind": kind, "amount": str(amount), "reference": reference},
    )
    return engagement
