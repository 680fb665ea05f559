"""ASGI entry point: HTTP through Django, WebSocket through Channels."""

import gc
import os

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Start-up makes objects that live as long as the process: none are collected while
# setting up (the collector walked them again and again, a tenth or two of a second of a
# worker's boot, which a restart waits for, #20); they are frozen below.
gc.disable()
try:
    django_asgi_app = get_asgi_application()
    # The URL patterns (every view module) now too, rather than on the first request.
    get_resolver().url_patterns  # noqa: B018 — the property loads them
finally:
    gc.enable()

from config.routing import websocket_urlpatterns  # noqa: E402  (needs the app registry)
from core.uploads import RefuseLargeBodies  # noqa: E402  (resolves URLs)

application = ProtocolTypeRouter(
    {
        # Django reads a whole body before any middleware: an oversized one is refused first.
        "http": RefuseLargeBodies(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# What start-up made (modules, URL patterns, templates, translations) lives as long as
# the process: kept out of the collector's generations, a full collection under load
# walks only what requests create.
gc.freeze()
