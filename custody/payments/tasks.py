"""Payment tasks: webhook processing, Stripe calls after commit, and the periodic chasers."""

from celery import shared_task

from custody.payments import actions, webhooks
from custody.payments.models import StripeEvent


@shared_task(
    name="payments.process_stripe_event",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=8,
)
def process_stripe_event(event_pk):
    webhooks.process(event_pk)


@shared_task(name="payments.send_payout")
def send_payout(payout_id):
    actions.payout_send(payout_id)


@shared_task(name="payments.send_refund")
def send_refund(refund_id):
    actions.refund_send(refund_id)


@shared_task(name="payments.chase_copayments")
def chase_copayments():
    return actions.copayments_chase()


@shared_task(name="payments.retry")
def retry():
    """Payouts and refunds whose Stripe call failed are sent again with the same key."""
    return {"payouts": actions.payouts_retry(), "refunds": actions.refunds_retry()}


@shared_task(name="payments.retry_unprocessed_events")
def retry_unprocessed_events():
    """Events whose processing failed; each failure is logged and kept on the event."""
    failed = 0
    for pk in StripeEvent.objects.filter(processed_at__isnull=True).values_list("pk", flat=True):
        try:
            webhooks.process(pk)
        except Exception:  # noqa: BLE001 - logged by process(); the next run tries again
            failed += 1
    return {"failed": failed}
