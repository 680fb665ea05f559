"""Money, read only: the firms' co-payments and the agencies' payouts, each scoped to the
engagement's parties (payouts: the agency, the firm's side and the programme office)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from custody.api.common import Parties
from custody.payments import selectors
from custody.payments.models import CoPayment, Payout
from marketplace.api.serializers import LabelField
from marketplace.api.views import ApiViewMixin


class CoPaymentSerializer(serializers.ModelSerializer):
    firm = serializers.IntegerField(source="engagement.firm_id", read_only=True)
    agency = serializers.IntegerField(source="engagement.agency_id", read_only=True)
    status_display = LabelField(source="status")
    method_display = LabelField(source="method")

    class Meta:
        model = CoPayment
        fields = [
            "id",
            "engagement",
            "firm",
            "agency",
            "amount",
            "currency",
            "status",
            "status_display",
            "due_by",
            "paid_at",
            "method",
            "method_display",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PayoutSerializer(serializers.ModelSerializer):
    status_display = LabelField(source="status")
    method_display = LabelField(source="method")

    class Meta:
        model = Payout
        fields = [
            "id",
            "engagement",
            "settlement",
            "agency",
            "amount",
            "status",
            "status_display",
            "method",
            "method_display",
            "attempts",
            "sent_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary=_("Co-payments of the engagements the caller may see")),
    retrieve=extend_schema(summary=_("One co-payment")),
)
@extend_schema(tags=["payments"])
class CoPaymentViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CoPaymentSerializer
    permission_classes = [Parties]
    filterset_fields = ["status", "engagement"]
    search_fields = ["engagement__firm__name"]
    ordering_fields = ["created_at", "due_by", "paid_at", "id", "updated_at"]

    def get_queryset(self):
        return selectors.copayments_visible_to(self.request.user).order_by("-created_at", "-pk")


@extend_schema_view(
    list=extend_schema(summary=_("Payouts the caller may see")),
    retrieve=extend_schema(summary=_("One payout")),
)
@extend_schema(tags=["payments"])
class PayoutViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PayoutSerializer
    permission_classes = [Parties]
    filterset_fields = ["status", "engagement", "agency"]
    search_fields = ["engagement__firm__name"]
    ordering_fields = ["created_at", "sent_at", "id", "updated_at"]

    def get_queryset(self):
        return selectors.payouts_visible_to(self.request.user).order_by("-created_at", "-pk")
