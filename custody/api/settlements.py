"""Settlements: the firm's rating starts one, the incubator's manager confirms it, the
programme office approves it (the amount follows what was delivered)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from custody import actions, selectors
from custody.api.common import FirmMembers, IncubatorManagers, Parties, ProgrammeOfficers, refused
from custody.models import Settlement
from marketplace import selectors as marketplace_selectors
from marketplace.api.serializers import LabelField
from marketplace.api.views import ApiViewMixin
from marketplace.models import Engagement


class SettlementSerializer(serializers.ModelSerializer):
    firm = serializers.IntegerField(source="engagement.firm_id", read_only=True)
    agency = serializers.IntegerField(source="engagement.agency_id", read_only=True)
    status_display = LabelField(source="status")

    class Meta:
        model = Settlement
        fields = [
            "id",
            "engagement",
            "firm",
            "agency",
            "status",
            "status_display",
            "rating",
            "comment",
            "rated_by",
            "rated_at",
            "confirmed_by",
            "confirmed_at",
            "approved_by",
            "approved_at",
            "amount",
            "released",
            "lines",
            "updated_at",
        ]
        read_only_fields = fields


class RatingSerializer(serializers.Serializer):
    engagement = serializers.PrimaryKeyRelatedField(queryset=Engagement.objects.none())
    rating = serializers.IntegerField(min_value=1, max_value=5, help_text=_("1 (poor) to 5."))
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        fields["engagement"].queryset = marketplace_selectors.engagements_visible_to(
            getattr(request, "user", None)
        )
        return fields


@extend_schema_view(
    list=extend_schema(summary=_("Settlements of the engagements the caller may see")),
    retrieve=extend_schema(summary=_("One settlement")),
)
@extend_schema(tags=["settlements"])
class SettlementViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = SettlementSerializer
    permission_classes = [Parties]
    filterset_fields = ["status", "engagement"]
    search_fields = ["engagement__firm__name", "engagement__agency__name"]
    ordering_fields = ["rated_at", "approved_at", "updated_at", "id"]

    def get_queryset(self):
        return selectors.settlements_visible_to(self.request.user).order_by("-rated_at", "-pk")

    def get_permissions(self):
        if self.action == "create":
            return [FirmMembers()]
        return super().get_permissions()

    def _respond(self, settlement, status_code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=settlement.pk)
        return Response(SettlementSerializer(fresh).data, status=status_code)

    @extend_schema(
        summary=_("Rate the agency: the settlement starts (members of the firm)"),
        description=_(
            "Once the engagement's period ends, or earlier when every quota is delivered and "
            "confirmed, and no record awaits the firm; refused with 409 and a code otherwise."
        ),
        request=RatingSerializer,
        responses=refused({status.HTTP_201_CREATED: SettlementSerializer}),
    )
    def create(self, request, *args, **kwargs):
        body = RatingSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        settlement = actions.settlement_rate(
            engagement=body.validated_data["engagement"],
            by=request.user,
            rating=body.validated_data["rating"],
            comment=body.validated_data["comment"],
        )
        return self._respond(settlement, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Confirm the settlement (the manager of the firm's incubator)"),
        request=None,
        responses=refused({status.HTTP_200_OK: SettlementSerializer}),
    )
    @action(detail=True, methods=["post"], permission_classes=[IncubatorManagers])
    def confirm(self, request, pk=None):
        settlement = self.get_object()
        settlement = actions.settlement_confirm(engagement=settlement.engagement, by=request.user)
        return self._respond(settlement)

    @extend_schema(
        summary=_("Approve the settlement (programme officers)"),
        description=_(
            "Fixes the amount from the confirmed records, completes the engagement and "
            "returns the rest of its reservation to the budget."
        ),
        request=None,
        responses=refused({status.HTTP_200_OK: SettlementSerializer}),
    )
    @action(detail=True, methods=["post"], permission_classes=[ProgrammeOfficers])
    def approve(self, request, pk=None):
        settlement = self.get_object()
        settlement = actions.settlement_approve(engagement=settlement.engagement, by=request.user)
        return self._respond(settlement)
