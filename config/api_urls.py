"""The REST API under /api/v1/: each app's `api/urls.py`, one namespace ("api")."""

from django.urls import include, path, re_path

from core.api.views import api_not_found

app_name = "api"

urlpatterns = [
    path("", include("marketplace.api.urls")),
    path("", include("custody.api.urls")),
    path("", include("webhooks.api.urls")),
    path("", include("chat.api.urls")),
    # Anything else under /api/v1/ is an unknown endpoint: a JSON 404, not the site's page.
    re_path(r"^(?P<path>.+)$", api_not_found, name="not-found"),
]
