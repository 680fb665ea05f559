"""Paging for every API list: page numbers by default, cursors on request (for sync).

`page_size` goes up to a documented maximum. `?cursor=` (empty to start) switches a list to
cursor paging: `next` and `previous` carry the position, `count` is null, and rows that
change while a client walks the list neither repeat nor go missing as they can with page
numbers. Cursors follow the list's `ordering` (default: `updated_at`, then `id`, where rows
carry `updated_at`).
"""

from django.core.exceptions import FieldDoesNotExist
from rest_framework import pagination
from rest_framework.response import Response

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


def _sync_ordering(model):
    try:
        model._meta.get_field("updated_at")
    except FieldDoesNotExist:
        return ("id",)
    return ("updated_at", "id")


class _Cursor(pagination.CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_ordering(self, request, queryset, view):
        self.ordering = _sync_ordering(queryset.model)
        return super().get_ordering(request, queryset, view)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"
    _cursor = None

    def paginate_queryset(self, queryset, request, view=None):
        if self.cursor_query_param in request.query_params:
            self._cursor = _Cursor()
            return self._cursor.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self._cursor is None:
            return super().get_paginated_response(data)
        return Response(
            {
                "count": None,
                "next": self._cursor.get_next_link(),
                "previous": self._cursor.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["required"] = ["count", "next", "previous", "results"]
        paginated["properties"]["count"] = {
            "type": "integer",
            "nullable": True,
            "example": 123,
            "description": "Rows in the whole list; null when paging by cursor.",
        }
        return paginated

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Rows per page, 1 to {MAX_PAGE_SIZE} (default {self.page_size}); "
                    "a larger number gives the maximum."
                )
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Page by cursor instead of page number (for sync): send it empty to start, "
                    "then follow `next`. Rows come in the list's ordering (default "
                    "updated_at, then id); count is null. An invalid cursor is a 404."
                ),
                "schema": {"type": "string"},
            }
        )
        return parameters
