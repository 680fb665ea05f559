"""The wording of the payments' notices (co-payments, refunds, payouts)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import register_actions
from core.notices import register


def _how_to_pay(p):
    """The ways to pay a co-payment, with the account and the reference to quote."""
    if p.get("account_number"):
        text = (
            _(
                "Pay by bank transfer to %(account_name)s, %(bank_name)s, account %(account_number)s, "
                "quoting %(reference)s."
            )
            % p
        )
    else:
        text = (
            _(
                "Pay by bank transfer to the programme office's account shown on the engagement's "
                "payments page, quoting %(reference)s."
            )
            % p
        )
    if p.get("online"):
        text += " " + _("You can also pay online on the engagement's payments page.")
    return text


register(
    {
        "copayment_received": lambda p: (
            _(
                "The co-payment of %(amount)s for %(firm)s was received: custody with %(agency)s runs."
            )
            % p
        ),
        "copayment_due": lambda p: (
            _(
                "%(agency)s accepted the custody of %(firm)s. Custody starts when your firm's "
                "co-payment of %(amount)s arrives; it is due by %(due_by)s."
            )
            % p
            + " "
            + _how_to_pay(p)
        ),
        "copayment_reminder": lambda p: (
            _(
                "The co-payment of %(amount)s for %(firm)s is due by %(due_by)s; custody with "
                "%(agency)s is cancelled if it is not paid by then."
            )
            % p
            + (" " + _how_to_pay(p) if "reference" in p else "")
        ),
        "copayment_refunded": lambda p: _("%(amount)s was refunded to %(firm)s.") % p,
        "refund_due": lambda p: (
            _("A bank refund of %(amount)s to %(firm)s is due; record it when it is paid.") % p
        ),
        "refund_failed": lambda p: (
            _("The refund of %(amount)s to %(firm)s failed; please look at it.") % p
        ),
        "payout_sent": lambda p: (
            _("%(amount)s was paid to %(agency)s for its custody of %(firm)s.") % p
        ),
        "payout_failed": lambda p: (
            _("The payout of %(amount)s to %(agency)s for %(firm)s failed; it will be retried.") % p
        ),
        "payout_blocked": lambda p: (
            _(
                "The payout of %(amount)s to %(agency)s for %(firm)s waits: the agency has no "
                "payout account ready."
            )
            % p
        ),
    },
    datetimes=("due_by",),
    amounts=("amount",),
)

# The audit actions payments writes, named for the timelines.
register_actions(
    {
        "copayment.paid": gettext_lazy("Co-payment received"),
        "copayment.cancelled": gettext_lazy("Co-payment cancelled"),
        "payment.offline_recorded": gettext_lazy("Bank transfer recorded"),
        "payout.sent": gettext_lazy("Payout sent to the agency"),
        "refund.requested": gettext_lazy("Refund requested"),
        "refund.succeeded": gettext_lazy("Refund paid"),
    }
)
