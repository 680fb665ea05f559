"""Notices to whoever must act next: stored with their parameters, worded when shown.

Wording at display time lets each person read a notice in their own language. Each app
registers the wording of its own kinds (`register`, in its `notices.py`, imported when the
app is ready), so this module knows no app above it.
"""

from django.conf import settings
from django.utils import translation

from core.actions.outbox import email_enqueue
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
    """Store a notice for each active user and queue its e-mail in the same transaction."""
    users = [user for user in users if user is not None and user.is_active]
    if not users:
        return
    notices = Notification.objects.bulk_create(
        Notification(user=user, kind=kind, params=params) for user in users
    )
    with translation.override(settings.LANGUAGE_CODE):
        text = notification_text(kind, params)
    for notice, user in zip(notices, users, strict=True):
        # Keyed by the notice: a job that reruns writes no second notice, so no second e-mail.
        email_enqueue(
            recipients=[user.email], subject=text[:120], body=text, key=f"notice:{notice.pk}"
        )
