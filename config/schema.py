"""OpenAPI schema hooks (drf-spectacular)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import AllowAny

from core.api.idempotency import HEADER, MAX_KEY_LENGTH
from core.api.problems import PROBLEM_CONTENT_TYPE, ProblemSerializer


def public_api_only(endpoints, **kwargs):
    """Document the product's REST API only, not the Wagtail admin's internal API under /cms/."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]


_GENERIC = {
    "400": _("The input is invalid: each field named with the reason."),
    "401": _("Not signed in: send a session cookie or 'Authorization: Token <token>'."),
    "403": _("Signed in, but this role or person may not do this."),
    "404": _("Not found, or not visible to the caller; also a page past the end."),
    "409": _(
        "The object's state does not allow this; or (code idempotency_key_in_use) a request "
        "with this Idempotency-Key is still running."
    ),
    "413": _("The request body is larger than the server accepts."),
    "415": _("The body's Content-Type is not one this operation reads."),
    "422": _(
        "The Idempotency-Key was already used for another request (code "
        "idempotency_key_reused); use a new key."
    ),
    "429": _("Too many requests; retry after the time in the Retry-After header."),
}

_HEADERS = {
    "401": {
        "WWW-Authenticate": {
            "description": "The authentication scheme to use (Token).",
            "schema": {"type": "string"},
        }
    },
    "429": {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer"},
        }
    },
}


IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        f"Any unique string (1 to {MAX_KEY_LENGTH} printable ASCII characters) that makes "
        "retrying this POST safe: for 24 hours the same key with the same body returns the "
        "first answer again (status and body, with the header Idempotent-Replayed: true); the "
        "same key with another body is a 422 problem (idempotency_key_reused), and while the "
        "first request still runs a 409 problem (idempotency_key_in_use). Keys are kept per "
        "signed-in user; a server error keeps nothing."
    ),
)


class ApiSchema(AutoSchema):
    """drf-spectacular's schema, plus the error answers DRF really gives each view.

    A view documents its own errors (e.g. 409 for a refused state change); what is
    added here follows from the view's configuration: validation on writes and on
    filtered or paginated lists, authentication and permission unless anyone may
    call it, not found on objects and pages, throttling where a throttle is set, size
    and media type where a body is read. Every error answers the one Problem body
    (RFC 9457, application/problem+json).
    """

    def _generic_error_codes(self):
        view = self.view
        anyone = any(isinstance(p, AllowAny) for p in view.get_permissions())
        listing = self._is_list_view() and self.method == "GET"
        writing = self.method in {"POST", "PUT", "PATCH"}
        codes = []
        if writing or (
            listing and (getattr(view, "filter_backends", None) or getattr(view, "paginator", None))
        ):
            codes.append("400")
        if not anyone:
            codes += ["401", "403"]
        if "{" in self.path or (listing and getattr(view, "paginator", None)):
            codes.append("404")
        if writing and self.get_request_serializer() is not None:
            codes += ["413", "415"]
        if self._takes_idempotency_key():
            codes += ["409", "422"]
        if view.get_throttles():
            codes.append("429")
        return codes

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._takes_idempotency_key():
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def _takes_idempotency_key(self):
        """Every POST a signed-in caller can make (keys are kept per user)."""
        return self.method == "POST" and bool(self.view.authentication_classes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._generic_error_codes():
            responses.setdefault(code, {"description": _GENERIC[code]})
        for code, response in list(responses.items()):
            if not code.isdigit() or int(code) < 400:
                continue
            problem = self._get_response_for_code(
                ProblemSerializer, code, media_types=[PROBLEM_CONTENT_TYPE]
            )
            problem["description"] = response.get("description") or _GENERIC.get(code, "")
            headers = {**_HEADERS.get(code, {}), **response.get("headers", {})}
            if headers:
                problem["headers"] = headers
            responses[code] = problem
        return responses
