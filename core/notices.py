"""Notices to whoever must act next: stored with their parameters, worded when shown.

Wording at display time lets each person read a notice in their own language. Each app
registers the wording of its own kinds (`register`, in its `notices.py`, imported when the
app is ready), so this module knows no app above it.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation

from core.models import Notification

_TEXTS = {}


def register(texts):
    """Add `{kind: render(params) -> str}` to the known kinds; a kind is registered once."""
    clash = _TEXTS.keys() & texts.keys()
    if clash:
        raise ValueError(f"notice kinds registered twice: {sorted(clash)}")
    _TEXTS.update(texts)


def registered_kinds():
    return frozenset(_TEXTS)


def notification_text(kind, params):
    render = _TEXTS.get(kind)
    if render is None:
        return kind
    try:
        return render(params)
    except (KeyError, TypeError):
        return kind


def notify(users, *, kind, params):
    """Store a notice for each active user and e-mail it after the transaction commits."""
    users = [user for user in users if user is not None and user.is_active]
    if not users:
        return
    Notification.objects.bulk_create(
        Notification(user=user, kind=kind, params=params) for user in users
    )

    def send():
        for user in users:
            if not user.email:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                text = notification_text(kind, params)
            send_mail(
                text[:120], text, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=True
            )

    transaction.on_commit(send)
