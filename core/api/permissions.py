from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission


class OfficerWritesOnly(BasePermission):
    """Any signed-in user may read (what the selectors let them see); officers write."""

    message = _("Only a programme officer can do this.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or user.is_programme_officer
