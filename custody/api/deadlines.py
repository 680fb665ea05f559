"""Deadlines of the portfolios the caller may see (the deadline board's scope): filtered by
firm, kind, state and due window; marked done with a note and evidence files."""

import django_filters as filters
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from custody import actions, selectors
from custody.api.common import (
    EvidenceSerializer,
    Parties,
    PortfolioEditors,
    evidence_files_field,
    refused,
)
from custody.models import Deadline
from marketplace.api.filters import IdFilter
from marketplace.api.serializers import LabelField
from marketplace.api.views import ApiViewMixin


class DeadlineState(models.TextChoices):
    """Where a deadline stands (derived from done_at and missed_at)."""

    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")


class FeeSerializer(serializers.Serializer):
    """The official fee a deadline asks for (custody.fees), in CNY."""

    fee = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("The official fee, before any reduction.")
    )
    surcharge_percent = serializers.IntegerField(
        help_text=_(
            "Grace surcharge in percent of the full fee if paid today (0 before the due date)."
        )
    )
    surcharge = serializers.DecimalField(max_digits=12, decimal_places=2)
    payable = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("Fee plus surcharge, without the reduction.")
    )
    reduction_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text=_(
            "The fee reduction covering this fee (85 alone, 70 jointly); null if none does."
        ),
    )
    reduced_fee = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    reduced_payable = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text=_("Reduced fee plus surcharge; null when no reduction covers the fee."),
    )


class DeadlineSerializer(serializers.ModelSerializer):
    firm_name = serializers.CharField(source="firm.name", read_only=True)
    asset_number = serializers.CharField(source="asset.number", read_only=True)
    kind_display = LabelField(source="kind")
    state = serializers.SerializerMethodField(
        help_text=_("open, done (marked done) or missed (its last day passed).")
    )
    state_display = serializers.SerializerMethodField()
    evidence = EvidenceSerializer(many=True, read_only=True)
    fee = serializers.SerializerMethodField(
        help_text=_("The official fee payable today; null for an expiry (no fee).")
    )

    class Meta:
        model = Deadline
        fields = [
            "id",
            "firm",
            "firm_name",
            "asset",
            "asset_number",
            "kind",
            "kind_display",
            "fee_year",
            "original_due_on",
            "due_on",
            "opens_on",
            "grace_ends_on",
            "provisional",
            "surcharges",
            "fee",
            "state",
            "state_display",
            "done_at",
            "done_by",
            "done_note",
            "missed_at",
            "evidence",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(FeeSerializer(allow_null=True))
    def get_fee(self, deadline):
        if not hasattr(deadline, "fee"):
            # One read of the fee table for the whole list (the context is shared).
            if "fee_table" not in self.context:
                self.context["fee_table"] = selectors.fee_table()
            deadline.fee = selectors.deadline_fee(
                deadline, today=timezone.localdate(), table=self.context["fee_table"]
            )
        return None if deadline.fee is None else FeeSerializer(deadline.fee).data

    @extend_schema_field(serializers.ChoiceField(choices=DeadlineState.choices))
    def get_state(self, deadline):
        if deadline.done_at is not None:
            return DeadlineState.DONE.value
        if deadline.missed_at is not None:
            return DeadlineState.MISSED.value
        return DeadlineState.OPEN.value

    def get_state_display(self, deadline) -> str:
        return str(DeadlineState(self.get_state(deadline)).label)


class DeadlineFilter(filters.FilterSet):
    firm = IdFilter(field_name="firm_id", help_text=_("Firm id."))
    asset = IdFilter(field_name="asset_id", help_text=_("IP asset id."))
    state = filters.ChoiceFilter(
        choices=DeadlineState.choices,
        method="filter_state",
        help_text=_("open, done or missed."),
    )
    due_from = filters.DateFilter(
        field_name="due_on", lookup_expr="gte", help_text=_("Due on or after this day.")
    )
    due_to = filters.DateFilter(
        field_name="due_on", lookup_expr="lte", help_text=_("Due on or before this day.")
    )

    class Meta:
        model = Deadline
        fields = ["firm", "asset", "kind", "state", "due_from", "due_to"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(selectors.BOARD_STATES[value])


class DoneSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text=_("What was done.")
    )
    files = evidence_files_field()


@extend_schema_view(
    list=extend_schema(
        summary=_("Deadlines of the portfolios the caller may see, by due date"),
        description=_("Filter by firm, kind, state and due window (due_from, due_to)."),
    ),
    retrieve=extend_schema(summary=_("One deadline with its evidence")),
)
@extend_schema(tags=["deadlines"])
class DeadlineViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = DeadlineSerializer
    permission_classes = [Parties]
    filterset_class = DeadlineFilter
    search_fields = ["asset__number", "asset__title", "firm__name"]
    ordering_fields = ["due_on", "updated_at", "id"]

    def get_queryset(self):
        return (
            selectors.deadlines_visible_to(self.request.user)
            .prefetch_related("evidence")
            .order_by("due_on", "pk")
        )

    @extend_schema(
        summary=_("Mark the deadline done, with a note and evidence (the firm or its agency)"),
        description=_("Every file is checked first: one refused file and nothing is stored."),
        request={"multipart/form-data": DoneSerializer},
        responses=refused({status.HTTP_200_OK: DeadlineSerializer}),
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser],
        permission_classes=[PortfolioEditors],
    )
    def done(self, request, pk=None):
        deadline = self.get_object()
        body = DoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actions.deadline_mark_done(
            deadline=deadline,
            by=request.user,
            note=body.validated_data["note"],
            files=body.validated_data["files"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=deadline.pk)).data)
