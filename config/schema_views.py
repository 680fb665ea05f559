"""The served OpenAPI schema (its generation hooks are in config.schema)."""

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView


class EnglishSchemaView(SpectacularAPIView):
    """The schema is one contract whatever the caller's language: descriptions in English,
    enums by their machine names (labels travel as data, in the *_display fields)."""

    def _get_schema_response(self, request):
        with translation.override("en"):
            return super()._get_schema_response(request)
