"""The served OpenAPI schema (its generation hooks are in config.schema)."""

from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_urlconf
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

# Generated schemas by (URL conf, API version). Generating one walks every view and
# serializer (seconds of CPU), and the public schema depends on nothing else: not the
# caller, not the language (see below). Each process generates it once per version.
_generated = {}


def _forget_generated(**kwargs):
    _generated.clear()


setting_changed.connect(_forget_generated)


class EnglishSchemaView(SpectacularAPIView):
    """The schema is one contract whatever the caller's language: descriptions in English,
    enums by their machine names (labels travel as data, in the *_display fields)."""

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (self.urlconf or get_urlconf() or settings.ROOT_URLCONF, version, self.serve_public)
        if key not in _generated:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            with translation.override("en"):
                _generated[key] = generator.get_schema(request=request, public=self.serve_public)
        filename = self._get_filename(request, version)
        return Response(
            data=_generated[key],
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )
