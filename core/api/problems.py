"""The API's one error format: RFC 9457 problem details.

Every error under /api/ answers `application/problem+json` with `type`, `title`, `status`,
`detail`, a stable machine `code` and per-field `errors` (empty when the problem is not about
a field). `title` and `detail` are in the request's language; `type` and `code` never change.
"""

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

PROBLEM_CONTENT_TYPE = "application/problem+json"
# A stable URI per code (RFC 9457 §3.1.1); not dereferenced, clients compare it or `code`.
TYPE_PREFIX = "urn:ipcustody:problem:"

# One short title per HTTP status (a problem type's title does not change between occurrences).
TITLES = {
    400: _("The input is invalid"),
    401: _("Not signed in"),
    403: _("Not allowed"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Not acceptable"),
    409: _("Conflict"),
    413: _("Request body too large"),
    415: _("Unsupported media type"),
    422: _("Unprocessable request"),
    429: _("Too many requests"),
    500: _("Server error"),
    503: _("Service unavailable"),
}

# The code of a status when nothing more specific is known.
DEFAULT_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "throttled",
    500: "server_error",
    503: "unavailable",
}


def is_api_path(path):
    """The product's API, whose every error is a problem (the interactive docs are pages)."""
    return path.startswith("/api/") and not path.startswith(("/api/docs/", "/api/redoc/"))


def field_error(field, detail, code="invalid"):
    return {"field": field, "code": str(code or "invalid"), "detail": str(detail)}


def problem(status, *, code=None, detail=None, errors=()):
    """The body of a problem: `errors` is a list of field_error() dicts."""
    title = TITLES.get(status) or TITLES[500 if status >= 500 else 400]
    code = code or DEFAULT_CODES.get(status) or ("server_error" if status >= 500 else "invalid")
    return {
        "type": f"{TYPE_PREFIX}{code}",
        "title": str(title),
        "status": status,
        "detail": str(detail if detail is not None else title),
        "code": code,
        "errors": list(errors),
    }


def problem_response(status, *, code=None, detail=None, errors=(), headers=None):
    """A problem outside DRF's views (middleware, Django's error handlers, django-axes)."""
    response = JsonResponse(
        problem(status, code=code, detail=detail, errors=errors),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def is_problem(response):
    return response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True,
        help_text=_(
            "The input the error is about, as a dotted path (items.0.quota); "
            "null when it is about the request as a whole."
        ),
    )
    code = serializers.CharField(help_text=_("A stable code for programs, e.g. required."))
    detail = serializers.CharField(help_text=_("What is wrong with it, for the user."))


class ProblemSerializer(serializers.Serializer):
    """Every error the API answers (RFC 9457 problem details, application/problem+json)."""

    type = serializers.CharField(
        help_text=_("A URI naming the problem type: urn:ipcustody:problem:<code>.")
    )
    title = serializers.CharField(help_text=_("A short summary of the problem type, translated."))
    status = serializers.IntegerField(help_text=_("The HTTP status code."))
    detail = serializers.CharField(help_text=_("What went wrong this time, for the user."))
    code = serializers.CharField(
        help_text=_("A stable code for programs, e.g. not_found, invalid, reason_required.")
    )
    errors = FieldErrorSerializer(
        many=True, help_text=_("Each input at fault with its reason; empty if none.")
    )
