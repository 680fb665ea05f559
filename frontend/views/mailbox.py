"""The demo's mailbox: with no mail server configured, the outbox delivers e-mail as files
under EMAIL_FILE_PATH (var/mail/), and the programme office reads them here.

Only where that file backend is the delivery backend: a real deployment sends through
SMTP, and this page then does not exist (404), since it shows every message sent,
password-reset links included.
"""

import email
import email.policy
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from frontend.views.access import paginate, role_required

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
# Django's file backend writes every message of a connection into one file, each
# followed by a line of 79 dashes.
SEPARATOR = "\n" + "-" * 79 + "\n"
PAGE_SIZE = 20


def mailbox_enabled():
    return settings.EMAIL_DELIVERY_BACKEND == FILE_BACKEND


def _raw_messages(folder):
    """Every message written under `folder`, newest first, as (raw text, file name);
    parsed only for the page that shows it."""
    files = sorted(
        (path for path in Path(folder).glob("*.log") if path.is_file()),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        parts = [part for part in text.split(SEPARATOR) if part.strip()]
        found.extend((part, path.name) for part in reversed(parts))
    return found


def _parse(raw, filename):
    # Bytes, not str: the body is 8-bit UTF-8, which the str parser would escape.
    message = email.message_from_bytes(raw.lstrip("\n").encode(), policy=email.policy.default)
    plain = message.get_body(preferencelist=("plain",))
    return {
        "subject": str(message.get("Subject", "")),
        "to": str(message.get("To", "")),
        "date": str(message.get("Date", "")),
        "body": plain.get_content() if plain is not None else "",
        "file": filename,
    }


@role_required("programme_officer")
def mailbox(request):
    if not mailbox_enabled():
        raise Http404
    folder = Path(settings.EMAIL_FILE_PATH)
    page = paginate(request, _raw_messages(folder) if folder.is_dir() else [], PAGE_SIZE)
    page.object_list = [_parse(raw, filename) for raw, filename in page.object_list]
    return render(request, "frontend/office/mailbox.html", {"page": page, "folder": folder})
