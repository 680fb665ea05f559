"""Page-number paging for every API list: `page_size` up to a documented maximum."""

from rest_framework import pagination

MAX_PAGE_SIZE = 200


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Rows per page, 1 to {MAX_PAGE_SIZE} (default {self.page_size}); "
                    "a larger number gives the maximum."
                )
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
        return parameters
