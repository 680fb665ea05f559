"""Jobs of the shared foundations: the outbox's sender and its sweep. Both idempotent."""

from celery import shared_task

from core.actions import outbox


@shared_task(name="core.send_outbox_message")
def send_outbox_message(message_id):
    return outbox.outbox_send(message_id=message_id)


@shared_task(name="core.flush_outbox")
def flush_outbox():
    return outbox.outbox_flush()
