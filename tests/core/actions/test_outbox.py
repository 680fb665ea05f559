"""The outbox: e-mail written with its event, sent once by an idempotent job."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from core import notices
from core.actions import outbox
from core.models import Notification, OutboxMessage

pytestmark = pytest.mark.django_db


def _queue(key="event:1", recipients=("a@example.org",)):
    return outbox.email_enqueue(recipients=list(recipients), subject="Hello", body="Text", key=key)


def test_the_message_is_sent_on_commit_and_marked_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue()
        assert mail.outbox == []  # not before the commit
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 1
    (sent,) = mail.outbox
    assert sent.to == ["a@example.org"]
    assert sent.extra_headers["X-Outbox-Key"] == "event:1"
    assert sent.extra_headers["Message-ID"].startswith(f"<outbox.{message.pk}.")


def test_a_rolled_back_event_leaves_no_message(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _queue()
        raise RuntimeError("the event failed")
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_the_same_key_queues_one_message_and_sending_twice_sends_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = _queue()
        again = _queue()
    assert first.pk == again.pk
    assert len(callbacks) == 1
    assert outbox.outbox_send(message_id=first.pk) is False  # already sent
    assert len(mail.outbox) == 1


def test_nobody_to_send_to_queues_nothing():
    assert _queue(recipients=("", None)) is None
    assert not OutboxMessage.objects.exists()


def test_a_lost_hand_over_is_sent_by_the_sweep_once():
    # As after a kill between the commit and the hand-over: the row is there, unsent.
    message = _queue()
    now = timezone.now()
    assert outbox.outbox_flush(now=now) == 0  # too young: still in its own hand-over
    later = now + outbox.SWEEP_AFTER + datetime.timedelta(seconds=1)
    assert outbox.outbox_flush(now=later) == 1
    assert outbox.outbox_flush(now=later) == 0
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.sent_at == later


def test_a_failed_send_is_retried_with_back_off(monkeypatch):
    message = _queue()
    failing = True

    def deliver(message):
        if failing:
            raise smtplib.SMTPServerDisconnected("gone")
        mail.outbox.append(message)

    monkeypatch.setattr(outbox, "_deliver", deliver)
    now = timezone.now() + datetime.timedelta(minutes=1)
    assert outbox.outbox_flush(now=now) == 0
    message.refresh_from_db()
    assert message.sent_at is None and message.attempts == 1
    assert message.last_error.startswith("SMTPServerDisconnected")
    assert message.next_attempt_at == now + datetime.timedelta(seconds=30)
    assert outbox.outbox_flush(now=now + datetime.timedelta(seconds=10)) == 0  # backing off
    failing = False
    assert outbox.outbox_flush(now=now + datetime.timedelta(seconds=31)) == 1
    message.refresh_from_db()
    assert message.sent_at is not None and message.last_error == ""


def test_a_broker_that_is_down_leaves_the_message_for_the_sweep(
    monkeypatch, django_capture_on_commit_callbacks
):
    from core import tasks

    def down(*args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr(tasks.send_outbox_message, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue()
    message.refresh_from_db()
    assert message.sent_at is None
    assert mail.outbox == []


def test_a_notice_and_its_e_mail_are_written_together(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notices.notify([personas.firm_member], kind="test_kind", params={})
    notice = Notification.objects.get(user=personas.firm_member, kind="test_kind")
    message = OutboxMessage.objects.get(key=f"notice:{notice.pk}")
    assert message.recipients == [personas.firm_member.email]
    assert message.sent_at is not None
    assert [sent.to for sent in mail.outbox] == [[personas.firm_member.email]]


def test_no_product_code_sends_mail_past_the_outbox():
    """Every e-mail the product sends is queued in the outbox; only the outbox delivers."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    sending = re.compile(
        r"\b(send_mail|send_mass_mail|mail_admins|mail_managers|EmailMessage|"
        r"EmailMultiAlternatives)\b"
    )
    offenders = [
        str(path.relative_to(root))
        for app in (
            "config",
            "core",
            "marketplace",
            "custody",
            "cms",
            "chat",
            "reporting",
            "demo",
            "frontend",
        )
        for path in (root / app).rglob("*.py")
        if "migrations" not in path.parts
        and path != root / "core" / "actions" / "outbox.py"
        and sending.search(re.sub(r"def send_mail\(", "", path.read_text()))
    ]
    assert offenders == []
