"""The demo's mailbox: e-mail the outbox delivered as files is readable by the programme
office on /office/mail/, and the page exists only while mail goes to files."""

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

MAILBOX = reverse("frontend:mailbox")
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


@pytest.fixture
def mail_folder(settings, tmp_path):
    settings.EMAIL_DELIVERY_BACKEND = FILE_BACKEND
    settings.EMAIL_FILE_PATH = str(tmp_path)
    return tmp_path


def _send(tmp_path, *messages):
    connection = mail.get_connection(FILE_BACKEND, file_path=str(tmp_path))
    connection.send_messages(
        [
            mail.EmailMessage(subject, body, "noreply@example.com", [to])
            for subject, body, to in messages
        ]
    )


def test_the_officer_reads_every_message_newest_first(client, personas, mail_folder):
    _send(
        mail_folder,
        ("托管期限提醒", "专利年费将于 30 天后到期。", "alice@example.com"),
        ("Offer received", "A firm chose your agency.", "agency@example.com"),
    )
    client.force_login(personas.officer)

    response = client.get(MAILBOX)

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('data-testid="mail-message"') == 2
    assert body.index("Offer received") < body.index("托管期限提醒")
    assert "专利年费将于 30 天后到期。" in body and "alice@example.com" in body


def test_the_mailbox_pages_long_folders(client, personas, mail_folder):
    _send(mail_folder, *[(f"Reminder {n}", "body", "a@example.com") for n in range(25)])
    client.force_login(personas.officer)

    first = client.get(MAILBOX).content.decode()
    second = client.get(MAILBOX, {"page": 2}).content.decode()

    assert first.count('data-testid="mail-message"') == 20
    assert second.count('data-testid="mail-message"') == 5
    assert "Reminder 24" in first and "Reminder 0<" in second


def test_an_empty_folder_says_so(client, personas, mail_folder):
    client.force_login(personas.officer)

    assert 'data-testid="mail-empty"' in client.get(MAILBOX).content.decode()


def test_with_a_real_mail_server_the_page_does_not_exist(client, personas, settings):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    client.force_login(personas.officer)

    assert client.get(MAILBOX).status_code == 404


@pytest.mark.parametrize("who", ["firm_member", "agency_consultant", "incubator_manager"])
def test_only_the_programme_office_reads_the_mailbox(client, personas, mail_folder, who):
    client.force_login(getattr(personas, who))

    assert client.get(MAILBOX).status_code == 403
