"""The outbox: e-mail written in the transaction of its event, sent by an idempotent job.

`email_enqueue` stores the message beside the change that causes it (same transaction,
so a rollback takes it back and a commit keeps it even if the process dies a moment
later) and asks for it to be sent once the transaction commits: by a Celery task with
Redis, in-process on the embedded default (tasks run eagerly there). `outbox_flush`,
run every minute by beat, sends whatever that hand-over missed: a broker that was
down, a worker killed mid-send, a mail server that refused.

Every e-mail the product sends goes this way, also those written by Django and Wagtail
(password resets, moderation and workflow notifications): `EMAIL_BACKEND` is
`core.mail.OutboxEmailBackend`, which queues each message here, and this module
delivers through `EMAIL_DELIVERY_BACKEND`, the real one (SMTP, console, files).

`outbox_send` locks the row, skips it if it was sent, sends, and marks it sent in one
transaction: two workers never send one message, and a kill before the mark leaves it
to be sent again (at least once). Its key goes out as the Message-ID, so a mail server
or client that sees the rare second copy can drop it.
"""

import contextlib
import datetime
import hashlib
import logging
import threading
import uuid
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from core.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
# A message younger than this is still in its own hand-over; the sweep leaves it be.
SWEEP_AFTER = datetime.timedelta(seconds=15)
DISCARDED = "discarded: made-up recipients"
OUTBOX_BACKEND = "core.mail.OutboxEmailBackend"

_local = threading.local()


@contextlib.contextmanager
def outbox_discarded():
    """Messages queued inside are recorded as done and never sent (the demo's made-up people)."""
    previous = getattr(_local, "discard", False)
    _local.discard = True
    try:
        yield
    finally:
        _local.discard = previous


def _addresses(addresses):
    return sorted({address for address in addresses or () if address})


def email_enqueue(
    *,
    recipients,
    subject,
    body,
    key=None,
    from_email="",
    cc=(),
    bcc=(),
    reply_to=(),
    html_body="",
    headers=None,
):
    """Queue one e-mail in the current transaction; None when there is nobody to send to.

    `key` names the event (e.g. ``notice:42``): queuing the same key again returns the
    message already queued, so a job that runs twice does not write a second one.
    `recipients` are its To addresses; `cc`, `bcc`, `reply_to`, `html_body` (an HTML
    alternative) and `headers` carry what Django's and Wagtail's mail may hold.
    """
    recipients, cc, bcc = _addresses(recipients), _addresses(cc), _addresses(bcc)
    if not (recipients or cc or bcc):
        return None
    discard = getattr(_local, "discard", False)
    with transaction.atomic():
        message, created = OutboxMessage.objects.get_or_create(
            channel=OutboxMessage.Channel.EMAIL,
            key=key or f"uuid:{uuid.uuid4().hex}",
            defaults={
                "recipients": recipients,
                "cc": cc,
                "bcc": bcc,
                "reply_to": list(reply_to or ()),
                "headers": {str(name): str(value) for name, value in (headers or {}).items()},
                "subject": " ".join(str(subject).split())[:255],
                "body": str(body),
                "html_body": str(html_body or ""),
                "from_email": from_email or "",
                "sent_at": timezone.now() if discard else None,
                "last_error": DISCARDED if discard else "",
            },
        )
    if created and not discard:
        transaction.on_commit(lambda: _hand_over(message.pk))
    return message


def email_queued(key):
    """Whether an e-mail with this key was queued already (sent or not)."""
    return OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL, key=key).exists()


def _hand_over(message_id):
    from core import tasks

    try:
        tasks.send_outbox_message.delay(message_id)
    except Exception as error:  # noqa: BLE001 - the message is stored; the sweep sends it
        logger.warning(
            "outbox message %s not handed to the queue (%s); the next sweep sends it",
            message_id,
            type(error).__name__,
        )


def _message_id(message):
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "ipcustody.local"
    digest = hashlib.sha256(f"{message.channel}:{message.key}".encode()).hexdigest()[:32]
    return f"<outbox.{message.pk}.{digest}@{domain}>"


def delivery_backend():
    """The backend that hands mail to the server: EMAIL_DELIVERY_BACKEND behind the outbox.

    When EMAIL_BACKEND is another backend (Django's test runner swaps in its in-memory
    one), that backend is the delivery one: the outbox never delivers into itself.
    """
    if settings.EMAIL_BACKEND == OUTBOX_BACKEND:
        return settings.EMAIL_DELIVERY_BACKEND
    return settings.EMAIL_BACKEND


def _deliver(message):
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=message.recipients,
        cc=message.cc,
        bcc=message.bcc,
        reply_to=message.reply_to,
        headers={
            **message.headers,
            "Message-ID": _message_id(message),
            "X-Outbox-Key": message.key[:200],
        },
        connection=get_connection(delivery_backend()),
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    email.send(fail_silently=False)


def outbox_send(*, message_id, now=None):
    """Send one queued message unless it was sent or another worker holds it; True if sent."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, sent_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        now = now or timezone.now()
        message.attempts += 1
        try:
            _deliver(message)
        except Exception as error:  # noqa: BLE001 - any mail failure: try again later
            message.last_error = f"{type(error).__name__}: {error}"[:500]
            message.next_attempt_at = now + datetime.timedelta(
                seconds=min(3600, 30 * 2 ** (message.attempts - 1))
            )
            message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            logger.warning(
                "outbox message %s not sent (attempt %s): %s",
                message.pk,
                message.attempts,
                type(error).__name__,
            )
            return False
        message.sent_at = now
        message.last_error = ""
        message.save(update_fields=["attempts", "sent_at", "last_error"])
        return True


def outbox_flush(*, now=None, limit=500):
    """Send the messages whose hand-over was missed or failed; returns how many were sent."""
    now = now or timezone.now()
    due = (
        OutboxMessage.objects.filter(
            sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS, created_at__lte=now - SWEEP_AFTER
        )
        .exclude(next_attempt_at__gt=now)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(outbox_send(message_id=pk, now=now) for pk in list(due))
