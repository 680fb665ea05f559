"""Request bodies refused from their Content-Length, before anything reads them.

Django reads a multipart body whole (files spooled to disk) as soon as anything asks for
`request.POST`, the CSRF check included, and checks a file's size only afterwards. So this
middleware, which runs before any view (and before the CSRF check's process_view), compares
the declared length with what the route can accept: an upload route its file limit plus room
for the form's other fields, the CMS its document limit, any other route
DATA_UPLOAD_MAX_MEMORY_SIZE. A larger body is answered 413 at once: on an API path in the
API's error format, on a page with the site's own page, naming the limit.

Under ASGI, Django reads the whole body before any middleware runs, so `RefuseLargeBodies`
wraps the ASGI application: a body declared larger than its route accepts is never read
into the request (the client's bytes are drained and dropped); Django gets an empty body
and the declared length in the scope, and the middleware answers as above.
"""

from django.conf import settings
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.api.limits import request_too_large

# Boundaries, headers and the form's other fields around the files.
MULTIPART_ROOM = 256 * 1024
# Where the ASGI wrapper leaves the length a refused body declared.
SCOPE_KEY = "ipcustody.declared_length"


def _evidence_limit():
    return settings.CUSTODY_EVIDENCE_MAX_REQUEST_BYTES


def _import_limit():
    return settings.PORTFOLIO_IMPORT_MAX_BYTES


# Routes that receive files (by URL name) → the most their files may add up to.
UPLOAD_ROUTES = {
    "frontend:portfolio-import": _import_limit,
    "api:asset-import": _import_limit,
    "frontend:deadline-done": _evidence_limit,
    "api:deadline-done": _evidence_limit,
    "frontend:service-log": _evidence_limit,
    "frontend:service-correct": _evidence_limit,
    "api:service-record-list": _evidence_limit,
    "api:service-record-correct": _evidence_limit,
}


def declared_length(request):
    """The body's declared length (the one the ASGI wrapper kept, if it emptied the body)."""
    scope = getattr(request, "scope", None) or {}
    if SCOPE_KEY in scope:
        return scope[SCOPE_KEY]
    return _length(request.META.get("CONTENT_LENGTH"))


def _length(value):
    try:
        return max(int(value or 0), 0)
    except ValueError:
        return 0


def body_limit(path):
    """The most bytes a body sent to `path` may have."""
    if path.startswith("/cms/"):
        # Wagtail's editors upload documents and images there, with limits of their own.
        return (
            max(settings.WAGTAILDOCS_MAX_UPLOAD_SIZE, settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE)
            + MULTIPART_ROOM
        )
    match = None
    # API paths work without their trailing slash (core.api.middleware adds it later), and
    # the API's catch-all would match the bare one first.
    for candidate in (path,) if path.endswith("/") else (f"{path}/", path):
        try:
            match = resolve(candidate)
            break
        except Resolver404:
            continue
    files = UPLOAD_ROUTES.get(match.view_name) if match is not None else None
    if files is not None:
        return files() + MULTIPART_ROOM
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE + MULTIPART_ROOM


def too_large(declared, path):
    """Whether a body of `declared` bytes is more than `path` accepts (cheap for small ones)."""
    return declared > settings.DATA_UPLOAD_MAX_MEMORY_SIZE and declared > body_limit(path)


class RefuseLargeBodies:
    """ASGI wrapper: a body larger than its route accepts never reaches Django's request."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = scope.get("headers") or []
        declared = _length(
            next((value for name, value in headers if name == b"content-length"), b"0")
        )
        if not too_large(declared, scope.get("path", "")):
            return await self.app(scope, receive, send)
        scope = {
            **scope,
            SCOPE_KEY: declared,
            "headers": [(n, v) for n, v in headers if n != b"content-length"]
            + [(b"content-length", b"0")],
        }
        return await self.app(scope, _empty_body(receive), send)


def _empty_body(receive):
    """An empty body first; later, the client's chunks are dropped until it disconnects."""
    sent = False

    async def empty():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message

    return empty


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = declared_length(request)
        if too_large(declared, request.path_info):
            return self.refuse(request, declared, body_limit(request.path_info))
        return self.get_response(request)

    def refuse(self, request, declared, limit):
        message = _(
            "The upload is %(size)s; this address accepts at most %(limit)s. Nothing was received."
        ) % {"size": filesizeformat(declared), "limit": filesizeformat(limit - MULTIPART_ROOM)}
        # Nothing reads the body: under WSGI the rest of it is left unread.
        request.META["CONTENT_LENGTH"] = "0"
        if request.path_info.startswith("/api/"):
            # A DRF response, rendered here: no view's handler is left to render it.
            response = request_too_large(request, detail=message).render()
        else:
            back = request.META.get("HTTP_REFERER", "")
            if not url_has_allowed_host_and_scheme(
                back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                back = ""
            response = render(
                request, "413.html", {"message": message, "back_url": back}, status=413
            )
        response["Connection"] = "close"
        return response
