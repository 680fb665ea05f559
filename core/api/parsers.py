"""JSON bodies, refused past DATA_UPLOAD_MAX_MEMORY_SIZE before they are read.

DRF's parsers read the request stream itself, which skips Django's body-size check; a JSON
body past the limit raises Django's RequestDataTooBig, which the API answers as a 413 problem.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        if limit is not None and request is not None:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                raise RequestDataTooBig(
                    "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE."
                )
        return super().parse(stream, media_type, parser_context)
