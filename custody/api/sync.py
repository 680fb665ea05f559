"""Deletions for sync: what went, so a client holding a copy can drop it."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from core.models import Tombstone
from custody import selectors
from custody.api.common import Parties
from marketplace.api.views import ApiViewMixin


class DeletionSerializer(serializers.ModelSerializer):
    resource = serializers.CharField(
        help_text=_("The list the row was in, e.g. deadlines or service-records.")
    )
    object_id = serializers.IntegerField(help_text=_("Its id in that list."))

    class Meta:
        model = Tombstone
        fields = ["id", "resource", "object_id", "firm_id", "deleted_at"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary=_("Deleted rows, for sync"),
        description=_(
            "Rows removed from the lists the caller may see (an open deadline the rules no "
            "longer give, a withdrawn training attendance): poll with updated_since, which "
            "compares deleted_at. Cancelled, withdrawn or expired objects are not deleted: "
            "their status says so and their updated_at moves."
        ),
    ),
    retrieve=extend_schema(summary=_("One deletion")),
)
@extend_schema(tags=["sync"])
class DeletionViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = DeletionSerializer
    permission_classes = [Parties]
    filterset_fields = ["resource"]
    search_fields = []
    ordering_fields = ["deleted_at", "id"]
    sync_field = "deleted_at"

    def get_queryset(self):
        return selectors.tombstones_visible_to(self.request.user).order_by("deleted_at", "id")
