"""The API's middleware: paths with or without their trailing slash, and problems for every
error, including those raised outside DRF's views.

Django's APPEND_SLASH redirects a GET and raises (DEBUG) or loses the body on a POST; an
API client should not depend on the slash. Under /api/, a path without it that only
resolves with it is served as that path, for every method.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.urls import Resolver404, get_resolver

from core.api.exceptions import problem_parts
from core.api.problems import is_api_path, is_problem, problem_response
from core.api.views import API_NOT_FOUND

logger = logging.getLogger("django.request")


class ApiTrailingSlashMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/api/") and not path.endswith("/"):
            resolver = get_resolver(getattr(request, "urlconf", None))
            if _is_unknown(resolver, path) and not _is_unknown(resolver, f"{path}/"):
                request.path_info = f"{path}/"
                request.path = f"{request.path}/"
        return self.get_response(request)


def _is_unknown(resolver, path):
    try:
        match = resolver.resolve(path)
    except Resolver404:
        return True
    return match.url_name in API_NOT_FOUND


class ApiProblemMiddleware:
    """Under /api/, an error that escaped the views' handler is still a problem: an uncaught
    exception is a 500 problem (logged and signalled as Django would), and an error page
    that another layer rendered (CSRF, a bad Host, a lockout) is replaced by its problem."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api_path(request.path_info)
            and not getattr(response, "streaming", False)
            and not is_problem(response)
        ):
            headers = {
                name: response[name]
                for name in ("Retry-After", "WWW-Authenticate", "Allow")
                if response.has_header(name)
            }
            return problem_response(response.status_code, headers=headers)
        return response

    def process_exception(self, request, exception):
        if not is_api_path(request.path_info):
            return None
        parts = problem_parts(exception)
        if parts is not None:
            status, code, detail, errors, headers = parts
            return problem_response(
                status, code=code, detail=detail, errors=errors, headers=headers
            )
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=sys.exc_info(),
            extra={"status_code": 500, "request": request},
        )
        got_request_exception.send(sender=None, request=request)
        return problem_response(500)
