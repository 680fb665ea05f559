"""OpenAPI schema hooks (drf-spectacular)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

from marketplace.api.serializers import ErrorSerializer


def public_api_only(endpoints, **kwargs):
    """Document the product's REST API only, not the Wagtail admin's internal API under /cms/."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]


_GENERIC = {
    "400": _("The input is invalid: each field named with the reason."),
    "401": _("Not signed in: send a session cookie or 'Authorization: Token <token>'."),
    "403": _("Signed in, but this role or person may not do this."),
    "404": _("Not found, or not visible to the caller; also a page past the end."),
    "429": _("Too many requests; retry after the time in the Retry-After header."),
}


class ApiSchema(AutoSchema):
    """drf-spectacular's schema, plus the error answers DRF really gives each view.

    A view documents its own errors (e.g. 409 for a refused state change); what is
    added here follows from the view's configuration: validation on writes and on
    filtered or paginated lists, authentication and permission unless anyone may
    call it, not found on objects and pages, throttling where a throttle is set.
    """

    def _generic_error_codes(self):
        view = self.view
        anyone = any(isinstance(p, AllowAny) for p in view.get_permissions())
        listing = self._is_list_view() and self.method == "GET"
        codes = []
        if self.method in {"POST", "PUT", "PATCH"} or (
            listing and (getattr(view, "filter_backends", None) or getattr(view, "paginator", None))
        ):
            codes.append("400")
        if not anyone:
            codes += ["401", "403"]
        if "{" in self.path or (listing and getattr(view, "paginator", None)):
            codes.append("404")
        if view.get_throttles():
            codes.append("429")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._generic_error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
                responses[code]["description"] = _GENERIC[code]
        return responses
