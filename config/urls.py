from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views
from config import health
from config.schema_views import EnglishSchemaView
from core.api.views import api_not_found
from custody.payments import views as payment_views
from frontend.views import accounts, developers

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # Wagtail's own password reset, with the portal's limits per address and client.
    path(
        "cms/password_reset/",
        cms_views.CmsPasswordResetView.as_view(),
        name="wagtailadmin_password_reset",
    ),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/setlang/", accounts.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", EnglishSchemaView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/guide/", developers.api_guide, name="api-guide"),
    re_path(r"^api/(?P<path>.*)$", api_not_found, name="api-not-found"),
    path("chat/", include("chat.urls")),
    path("payments/stripe/webhook/", payment_views.stripe_webhook, name="stripe-webhook"),
    path("", include("cms.urls")),
    path("", include("frontend.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page tree answers every other path, so it comes last.
urlpatterns += [
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        wagtail_views.authenticate_with_password,
        name="wagtailcore_authenticate_with_password",
    ),
    re_path(r"^((?:[\w\-]+/)*)$", cms_views.serve, name="wagtail_serve"),
]
