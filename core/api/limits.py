"""The API's answer to a request body refused from its Content-Length (core.uploads)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is larger than this server accepts.")
    default_code = "request_too_large"


@extend_schema(exclude=True)
@api_view(["POST", "PUT", "PATCH"])
@authentication_classes([])
@permission_classes([AllowAny])
def request_too_large(request, detail):
    """Raised inside DRF, so the API's exception handler words it like every other error;
    nothing here reads the body (no authentication, no parser)."""
    raise RequestTooLarge(detail)
