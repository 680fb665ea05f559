"""The firms whose custody work the caller follows: an agency's client firms, with their
engagements; the same scope as the portfolio and the deadline board."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from custody import selectors
from custody.api.common import Parties
from marketplace.api.serializers import LabelField
from marketplace.api.views import ApiViewMixin
from marketplace.models import Engagement, Firm


class ClientEngagementSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="programme_year.year", read_only=True)
    status_display = LabelField(source="status")

    class Meta:
        model = Engagement
        fields = [
            "id",
            "agency",
            "programme_year",
            "year",
            "status",
            "status_display",
            "starts_on",
            "ends_on",
            "updated_at",
        ]
        read_only_fields = fields


class ClientFirmSerializer(serializers.ModelSerializer):
    incubator_name = serializers.CharField(source="incubator.display_name", read_only=True)
    district_display = LabelField(source="district")
    industry_display = LabelField(source="industry")
    engagements = ClientEngagementSerializer(
        source="visible_engagements",
        many=True,
        read_only=True,
        help_text=_("The firm's engagements the caller may see, newest first."),
    )

    class Meta:
        model = Firm
        fields = [
            "id",
            "name",
            "credit_code",
            "district",
            "district_display",
            "industry",
            "industry_display",
            "incubator",
            "incubator_name",
            "engagements",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary=_("Client firms: the firms whose custody work the caller follows"),
        description=_(
            "For an agency, the firms in its active custody; for a firm, itself; for an "
            "incubator manager, its incubator's firms; the programme office sees all."
        ),
    ),
    retrieve=extend_schema(summary=_("One client firm with its engagements")),
)
@extend_schema(tags=["client firms"])
class ClientFirmViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ClientFirmSerializer
    permission_classes = [Parties]
    search_fields = ["name", "credit_code"]
    ordering_fields = ["name", "id", "updated_at"]
    filterset_fields = ["district", "industry"]

    def get_queryset(self):
        return selectors.client_firms_visible_to(self.request.user)
