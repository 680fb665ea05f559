"""A person's own notices."""

from core.models import Notification


def is_signed_in(user):
    return user is not None and user.is_authenticated and user.is_active


def notifications_for(user):
    if not is_signed_in(user):
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def unread_notification_count(user):
    return notifications_for(user).filter(read_at__isnull=True).count()
