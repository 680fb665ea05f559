"""Jobs of the outbound webhooks: one delivery's send (queued by the actions after commit) and
the sweep."""

from celery import shared_task

from webhooks import actions


@shared_task(name="webhooks.send_delivery")
def send_webhook_delivery(delivery_id):
    """The job behind each hand-over."""
    return actions.delivery_send(delivery_id=delivery_id)


@shared_task(name="webhooks.flush_deliveries")
def flush_webhook_deliveries():
    return actions.deliveries_flush()
