"""Jobs of the outbound webhooks: one delivery's send (defined beside its action) and the sweep."""

from celery import shared_task

from webhooks import actions
from webhooks.actions.deliveries import send_webhook_delivery

__all__ = ["flush_webhook_deliveries", "send_webhook_delivery"]


@shared_task(name="webhooks.flush_deliveries")
def flush_webhook_deliveries():
    return actions.deliveries_flush()
