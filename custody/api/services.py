"""Service records: the agency logs what it delivered (multipart, with evidence files), the
firm confirms or disputes each, the agency corrects a disputed one; evidence is read back
by the engagement's parties only."""

import django_filters as filters
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.api.parsers import JSONParser
from custody import actions, selectors
from custody.api.common import (
    AgencyStaff,
    EvidenceSerializer,
    FirmMembers,
    Parties,
    evidence_files_field,
    refused,
)
from custody.models import ServiceRecord
from marketplace import selectors as marketplace_selectors
from marketplace.api.filters import IdFilter
from marketplace.api.serializers import LabelField, ReasonSerializer
from marketplace.api.views import ApiViewMixin
from marketplace.models import Engagement, EngagementItem


class ServiceRecordSerializer(serializers.ModelSerializer):
    firm = serializers.IntegerField(source="engagement.firm_id", read_only=True)
    agency = serializers.IntegerField(source="engagement.agency_id", read_only=True)
    item_name = serializers.CharField(source="item.service_item.name", read_only=True)
    status_display = LabelField(source="status")
    source_display = LabelField(source="source")
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "engagement",
            "firm",
            "agency",
            "item",
            "item_name",
            "quantity",
            "delivered_on",
            "description",
            "status",
            "status_display",
            "source",
            "source_display",
            "logged_by",
            "logged_at",
            "decided_by",
            "decided_at",
            "dispute_reason",
            "updated_at",
            "evidence",
        ]
        read_only_fields = fields


class ServiceRecordInputSerializer(serializers.Serializer):
    engagement = serializers.PrimaryKeyRelatedField(queryset=Engagement.objects.none())
    item = serializers.PrimaryKeyRelatedField(
        queryset=EngagementItem.objects.none(),
        help_text=_("The engagement's item (an id from the engagement's items)."),
    )
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)
    delivered_on = serializers.DateField()
    description = serializers.CharField(max_length=5000)
    evidence = evidence_files_field()

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        engagements = marketplace_selectors.engagements_visible_to(getattr(request, "user", None))
        fields["engagement"].queryset = engagements
        fields["item"].queryset = EngagementItem.objects.filter(
            engagement__in=engagements.values("pk")
        ).select_related("service_item")
        return fields


class CorrectionSerializer(ServiceRecordInputSerializer):
    """The corrected facts of a disputed record; its engagement and item stay."""

    def get_fields(self):
        fields = super().get_fields()
        del fields["engagement"]
        del fields["item"]
        return fields


class ServiceRecordFilter(filters.FilterSet):
    engagement = IdFilter(field_name="engagement_id", help_text=_("Engagement id."))
    firm = IdFilter(field_name="engagement__firm_id", help_text=_("Firm id."))
    delivered_from = filters.DateFilter(field_name="delivered_on", lookup_expr="gte")
    delivered_to = filters.DateFilter(field_name="delivered_on", lookup_expr="lte")

    class Meta:
        model = ServiceRecord
        fields = ["engagement", "firm", "status", "source", "delivered_from", "delivered_to"]


@extend_schema_view(
    list=extend_schema(summary=_("Service records of the engagements the caller may see")),
    retrieve=extend_schema(summary=_("One service record with its evidence")),
)
@extend_schema(tags=["service records"])
class ServiceRecordViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ServiceRecordSerializer
    permission_classes = [Parties]
    # A record is logged with its evidence files; the decisions take JSON (named on each).
    parser_classes = [MultiPartParser]
    filterset_class = ServiceRecordFilter
    search_fields = ["description"]
    ordering_fields = ["delivered_on", "logged_at", "updated_at", "id"]

    def get_queryset(self):
        return (
            selectors.service_records_visible_to(self.request.user)
            .select_related("decided_by")
            .prefetch_related("evidence")
            .order_by("-delivered_on", "-pk")
        )

    def get_permissions(self):
        if self.action == "create":
            return [AgencyStaff()]
        return super().get_permissions()

    def _respond(self, record, status_code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=record.pk)
        return Response(ServiceRecordSerializer(fresh).data, status=status_code)

    @extend_schema(
        summary=_("Log a delivered service with its evidence (staff of the custody agency)"),
        description=_(
            "Counted against the item's quota; the firm is asked to confirm it. Every file is "
            "checked by its content first: one refused file and nothing is stored."
        ),
        request={"multipart/form-data": ServiceRecordInputSerializer},
        responses=refused({status.HTTP_201_CREATED: ServiceRecordSerializer}),
    )
    def create(self, request, *args, **kwargs):
        body = ServiceRecordInputSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        data = body.validated_data
        record = actions.service_record_log(
            engagement=data["engagement"],
            item=data["item"],
            quantity=data["quantity"],
            delivered_on=data["delivered_on"],
            description=data["description"],
            files=data["evidence"],
            by=request.user,
        )
        return self._respond(record, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Confirm the service (members of the firm)"),
        request=None,
        responses=refused({status.HTTP_200_OK: ServiceRecordSerializer}),
    )
    @action(
        detail=True, methods=["post"], parser_classes=[JSONParser], permission_classes=[FirmMembers]
    )
    def confirm(self, request, pk=None):
        record = actions.service_record_confirm(record=self.get_object(), by=request.user)
        return self._respond(record)

    @extend_schema(
        summary=_("Dispute the service, saying why (members of the firm)"),
        request=ReasonSerializer,
        responses=refused({status.HTTP_200_OK: ServiceRecordSerializer}),
    )
    @action(
        detail=True, methods=["post"], parser_classes=[JSONParser], permission_classes=[FirmMembers]
    )
    def dispute(self, request, pk=None):
        record = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = actions.service_record_dispute(
            record=record, by=request.user, reason=body.validated_data["reason"]
        )
        return self._respond(record)

    @extend_schema(
        summary=_("Correct a disputed service and send it back (staff of the custody agency)"),
        request={"multipart/form-data": CorrectionSerializer},
        responses=refused({status.HTTP_200_OK: ServiceRecordSerializer}),
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser],
        permission_classes=[AgencyStaff],
    )
    def correct(self, request, pk=None):
        record = self.get_object()
        body = CorrectionSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        record = actions.service_record_resubmit(
            record=record,
            by=request.user,
            quantity=data["quantity"],
            delivered_on=data["delivered_on"],
            description=data["description"],
            files=data["evidence"],
        )
        return self._respond(record)


@extend_schema_view(retrieve=extend_schema(summary=_("One evidence file's details")))
@extend_schema(tags=["evidence"])
class EvidenceViewSet(ApiViewMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Evidence of service records and deadlines, to those who may see what it proves."""

    serializer_class = EvidenceSerializer
    permission_classes = [Parties]
    filter_backends = []

    def get_queryset(self):
        return selectors.evidence_visible_to(self.request.user)

    @extend_schema(
        summary=_("Download the evidence file"),
        responses={
            (status.HTTP_200_OK, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The file as it was uploaded.")
            )
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        item = self.get_object()
        response = FileResponse(
            item.file.open("rb"),
            as_attachment=True,
            filename=item.name,
            content_type=item.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
