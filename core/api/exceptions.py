"""Turn every error an API view raises into a problem (core.api.problems)."""

import logging

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from core.api.problems import PROBLEM_CONTENT_TYPE, field_error, problem
from core.errors import ActionError

logger = logging.getLogger("django.request")


class ProblemError(exceptions.APIException):
    """A problem a view answers itself: a status, a stable code, a message and field errors."""

    def __init__(self, detail, *, status_code, code, errors=()):
        super().__init__(detail=detail, code=code)
        self.status_code = status_code
        self.problem_code = code
        self.errors = list(errors)


def flatten(detail, path=""):
    """A serializer's nested errors as field_error() dicts with dotted paths."""
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            if key in {api_settings.NON_FIELD_ERRORS_KEY, NON_FIELD_ERRORS}:
                found += flatten(value, path)
            else:
                found += flatten(value, f"{path}.{key}" if path else str(key))
        return found
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [
                field_error(path or None, item, getattr(item, "code", "invalid")) for item in detail
            ]
        found = []
        for index, item in enumerate(detail):
            found += flatten(item, f"{path}.{index}" if path else str(index))
        return found
    return [field_error(path or None, detail, getattr(detail, "code", "invalid"))]


def _summary(errors):
    """One sentence for `detail`: each field with its first message."""
    parts = []
    for error in errors:
        text = f"{error['field']}: {error['detail']}" if error["field"] else error["detail"]
        if text not in parts:
            parts.append(text)
    return " ".join(parts) or _("The input is invalid.")


def _api_exception(exc):
    """A DRF exception as (status, code, detail, errors, headers)."""
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    if isinstance(exc, ProblemError):
        return exc.status_code, exc.problem_code, str(exc.detail), exc.errors, headers
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten(exc.detail)
        return exc.status_code, "invalid", _summary(errors), errors, headers
    if isinstance(exc, exceptions.ParseError):
        return exc.status_code, "parse_error", str(exc.detail), [], headers
    detail = exc.detail
    code = detail.code if hasattr(detail, "code") else exc.default_code
    if isinstance(detail, dict | list):
        errors = flatten(detail)
        return exc.status_code, code, _summary(errors), errors, headers
    return exc.status_code, str(code), str(detail), [], headers


def problem_parts(exc):
    """(status, code, detail, errors, headers) of an exception the API knows, else None."""
    if isinstance(exc, ActionError):
        errors = [field_error(exc.field, exc.message, exc.code)] if exc.field else []
        return exc.status_code, exc.code, str(exc.message), errors, {}
    if isinstance(exc, DjangoValidationError):
        detail = as_serializer_error(exc)
        errors = flatten(detail)
        return status.HTTP_400_BAD_REQUEST, "invalid", _summary(errors), errors, {}
    if isinstance(exc, RequestDataTooBig):
        detail = _("The request body is larger than this server accepts.")
        return status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "request_too_large", detail, [], {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        return _api_exception(exc)
    return None


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every known error as a problem; others are left to DRF to
    re-raise, and the API's middleware answers them with a 500 problem."""
    parts = problem_parts(exc)
    if parts is None:
        return None
    status_code, code, detail, errors, headers = parts
    set_rollback()
    return Response(
        problem(status_code, code=code, detail=detail, errors=errors),
        status=status_code,
        headers=headers,
        content_type=PROBLEM_CONTENT_TYPE,
    )
