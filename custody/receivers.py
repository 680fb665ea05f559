"""Money follows the engagement's moves: the marketplace announces them, custody keeps the books.

Connected in `CustodyConfig.ready()`. Each receiver runs inside the transaction that made the
move, so the ledger, the co-payment, refunds and the agency's pay change with it or not at all.
"""

from django.dispatch import receiver

from custody.payments import actions as payments
from marketplace import signals


@receiver(signals.engagement_started, dispatch_uid="custody.engagement_started")
def engagement_started(sender, *, engagement, now, copay_due, **kwargs):
    payments.engagement_opened(engagement, now=now, copay_due=copay_due)


@receiver(signals.engagement_cancelled, dispatch_uid="custody.engagement_cancelled")
def engagement_cancelled(
    sender, *, engagement, by, reason, delivered_government, delivered_copay, **kwargs
):
    # What the firm confirmed is the agency's (marketplace split it under the terms fixed at
    # acceptance, as for a change of agency); the rest goes back to the budget and the firm.
    payments.engagement_cancelled(
        engagement,
        by=by,
        reason=reason,
        delivered_government=delivered_government,
        delivered_copay=delivered_copay,
    )


@receiver(signals.engagement_transferred, dispatch_uid="custody.engagement_transferred")
def engagement_transferred(sender, *, old, new, released, now, by=None, **kwargs):
    payments.engagement_transferred(old=old, new=new, released=released, now=now, by=by)
