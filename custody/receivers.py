"""Money follows the engagement's moves: the marketplace announces them, custody keeps the books.

Connected in `CustodyConfig.ready()`. Each receiver runs inside the transaction that made the
move, so the ledger, the co-payment, refunds and the agency's pay change with it or not at all.
"""

from django.dispatch import receiver

from custody import selectors as custody_selectors
from custody.payments import actions as payments
from marketplace import signals


@receiver(signals.engagement_started, dispatch_uid="custody.engagement_started")
def engagement_started(sender, *, engagement, now, copay_due, **kwargs):
    payments.engagement_opened(engagement, now=now, copay_due=copay_due)


@receiver(signals.engagement_cancelled, dispatch_uid="custody.engagement_cancelled")
def engagement_cancelled(sender, *, engagement, by, reason, **kwargs):
    # The firm's share of what was confirmed is the agency's; the rest goes back to the firm.
    delivered_copay = custody_selectors.settlement_preview(engagement).split_copay
    payments.engagement_cancelled(engagement, by=by, reason=reason, delivered_copay=delivered_copay)


@receiver(signals.engagement_transferred, dispatch_uid="custody.engagement_transferred")
def engagement_transferred(sender, *, old, new, released, now, by=None, **kwargs):
    payments.engagement_transferred(old=old, new=new, released=released, now=now, by=by)
