"""core.mail: every e-mail, Wagtail's and Django's own included, leaves through the outbox."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from cms import actions
from cms.access import sync_cms_groups
from core.actions import outbox
from core.models import OutboxMessage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def through_the_outbox(settings):
    """As in production: EMAIL_BACKEND is the outbox, the real backend sits behind it
    (Django's test runner would otherwise hand every message to its in-memory box)."""
    settings.EMAIL_BACKEND = outbox.OUTBOX_BACKEND
    settings.EMAIL_DELIVERY_BACKEND = LOCMEM


def test_a_wagtail_workflow_e_mail_ends_in_the_outbox_and_is_sent_once(
    through_the_outbox, django_capture_on_commit_callbacks
):
    moderator = UserFactory(role="programme_officer", email="moderator@example.org")
    sync_cms_groups(moderator)
    editor = UserFactory(role="cms_editor", email="editor@example.org")
    sync_cms_groups(editor)

    with django_capture_on_commit_callbacks(execute=True):
        actions.faq_entry_propose(
            key="opening-hours", question="何时开放？", answer="工作日。", language="zh-hans",
            by=editor,
        )  # fmt: skip
        # Wagtail's notifier "sent" it: it is a row, nothing reached the mail server yet.
        assert OutboxMessage.objects.filter(recipients=[moderator.email]).exists()
        assert mail.outbox == []

    message = OutboxMessage.objects.get(recipients=[moderator.email])
    assert message.sent_at is not None and message.attempts == 1
    assert message.headers["Auto-Submitted"] == "auto-generated"  # Wagtail's header kept
    (sent,) = [email for email in mail.outbox if email.to == [moderator.email]]
    assert sent.subject == message.subject
    assert sent.extra_headers["X-Outbox-Key"] == message.key

    # The job running again, and the sweep, send nothing twice.
    later = timezone.now() + outbox.SWEEP_AFTER + datetime.timedelta(minutes=1)
    assert outbox.outbox_send(message_id=message.pk) is False
    assert outbox.outbox_flush(now=later) == 0
    assert len([email for email in mail.outbox if email.to == [moderator.email]]) == 1


def test_the_cms_password_reset_is_queued_and_sent_through_the_outbox(
    through_the_outbox, client, django_capture_on_commit_callbacks
):
    editor = UserFactory(role="cms_editor", email="editor@example.org")
    sync_cms_groups(editor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/cms/password_reset/", {"email": editor.email})

    assert response.status_code == 302
    message = OutboxMessage.objects.get(recipients=[editor.email])
    assert message.sent_at is not None
    (sent,) = mail.outbox
    assert sent.to == [editor.email] and sent.subject == message.subject


def test_copies_and_the_html_alternative_are_kept_and_a_rollback_takes_the_mail_back(
    through_the_outbox, django_capture_on_commit_callbacks
):
    with pytest.raises(RuntimeError), transaction.atomic():
        mail.send_mail("Lost", "Never sent.", None, ["a@example.org"])
        raise RuntimeError("the event failed")
    assert not OutboxMessage.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        email = mail.EmailMultiAlternatives(
            "Hello", "Text", to=["a@example.org"], cc=["c@example.org"], bcc=["b@example.org"],
            reply_to=["office@example.org"],
        )  # fmt: skip
        email.attach_alternative("<p>Text</p>", "text/html")
        assert email.send() == 1
    (sent,) = mail.outbox
    assert (sent.to, sent.cc, sent.bcc) == (["a@example.org"], ["c@example.org"], ["b@example.org"])
    assert sent.reply_to == ["office@example.org"]
    assert sent.alternatives == [("<p>Text</p>", "text/html")]
    assert "b@example.org" not in sent.message().as_string()


def test_attachments_are_refused_with_the_subject_named(through_the_outbox):
    email = mail.EmailMessage("Report", "See attached.", to=["a@example.org"])
    email.attach("report.txt", "figures", "text/plain")
    with pytest.raises(ValueError, match="'Report' has attachments"):
        email.send()
    assert not OutboxMessage.objects.exists()


def test_the_outbox_cannot_deliver_into_itself(settings):
    settings.EMAIL_BACKEND = outbox.OUTBOX_BACKEND
    settings.EMAIL_DELIVERY_BACKEND = LOCMEM
    assert outbox.delivery_backend() == LOCMEM
    settings.EMAIL_BACKEND = LOCMEM  # Django's test runner's swap: deliver there
    assert outbox.delivery_backend() == LOCMEM
