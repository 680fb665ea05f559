"""A user's own API tokens (django-rest-knox rows): nobody else's are ever listed."""

from django.db.models import Q
from django.utils import timezone
from knox.models import AuthToken


def api_tokens_of(user):
    """The user's tokens still in force, newest first (an expired row is no token)."""
    if not getattr(user, "is_authenticated", False):
        return AuthToken.objects.none()
    in_force = Q(expiry__isnull=True) | Q(expiry__gt=timezone.now())
    return AuthToken.objects.filter(in_force, user=user).order_by("-created", "token_key")
