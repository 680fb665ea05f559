"""Read marks on a person's own notices.

A read mark is the reader's bookkeeping, not a change to the programme, so it
writes no audit event. Both functions are conditional updates: marking twice,
or from two tabs at once, keeps the first time.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotAllowed
from core.models import Notification


def notification_read(*, notification, by, now=None):
    if notification.user_id != by.pk:
        raise NotAllowed(_("You can only mark your own notifications."))
    now = now or timezone.now()
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now, updated_at=now
    )
    notification.refresh_from_db(fields=["read_at", "updated_at"])
    return notification


def notifications_read_all(*, by, now=None):
    """Mark every unread notice of `by` read; returns how many were unread."""
    now = now or timezone.now()
    return Notification.objects.filter(user=by, read_at__isnull=True).update(
        read_at=now, updated_at=now
    )
