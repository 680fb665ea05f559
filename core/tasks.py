"""Jobs of the shared foundations: the outbox's sender and its sweep, and the purge of day-old
idempotency keys. All idempotent."""

from celery import shared_task

from core.actions import idempotency, outbox


@shared_task(name="core.send_outbox_message")
def send_outbox_message(message_id):
    return outbox.outbox_send(message_id=message_id)


@shared_task(name="core.flush_outbox")
def flush_outbox():
    return outbox.outbox_flush()


@shared_task(name="core.purge_idempotency_keys")
def purge_idempotency_keys():
    return idempotency.idempotency_purge()
