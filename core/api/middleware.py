"""The API answers a path with or without its trailing slash alike.

Django's APPEND_SLASH redirects a GET and raises (DEBUG) or loses the body on a POST; an
API client should not depend on the slash. Under /api/, a path without it that only
resolves with it is served as that path, for every method.
"""

from django.urls import Resolver404, get_resolver

from core.api.views import API_NOT_FOUND


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
