"""Turn the errors that actions raise into API responses."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import ActionError


def exception_handler(exc, context):
    """DRF's handler, plus ActionError → its status and Django ValidationError → 400.

    An ActionError answers {"detail", "code", "field"}; a ValidationError from a
    model's full_clean() answers {field: [messages]} like a serializer would.
    """
    if isinstance(exc, ActionError):
        set_rollback()
        return Response(
            {"detail": str(exc.message), "code": exc.code, "field": exc.field},
            status=exc.status_code,
        )
    if isinstance(exc, DjangoValidationError):
        detail = as_serializer_error(exc)
        if NON_FIELD_ERRORS in detail:
            detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
