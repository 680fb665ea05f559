from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

# The names of the catch-all routes that answer unknown API paths (config/urls, config/api_urls).
API_NOT_FOUND = {"not-found", "api-not-found"}


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([AllowAny])
def api_not_found(request, *args, **kwargs):
    """An unknown path under /api/: answered in the API's error format."""
    raise exceptions.NotFound(_("There is no API endpoint at this address."))
