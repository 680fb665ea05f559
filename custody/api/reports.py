"""A firm's quarterly custody report, as JSON and as the same PDF the page offers; readable by
the firm, its incubator's manager, the programme office, and an agency that held its custody
in the quarter (custody.selectors.firm_get_for_report decides)."""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.lazy import lazy_import
from custody import report as custody_report
from custody import selectors
from custody.api.common import Parties, refused
from custody.api.deadlines import DeadlineSerializer
from custody.models import IPAsset
from marketplace.api.views import ApiViewMixin
from marketplace.models import Engagement

# ReportLab takes a good part of a second to import: loaded by the first PDF asked for.
pdf = lazy_import("custody.report_pdf")


class ReportAssetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=IPAsset.Kind.choices)
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=IPAsset.Status.choices)


class AssetCountSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IPAsset.Kind.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class ReportRowSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item.pk", help_text=_("The engagement item."))
    name = serializers.CharField(source="item.service_item.name")
    quota = serializers.IntegerField()
    quarter_confirmed = serializers.IntegerField(help_text=_("Confirmed in the quarter."))
    quarter_pending = serializers.IntegerField(help_text=_("Awaiting the firm, in the quarter."))
    confirmed = serializers.IntegerField(help_text=_("Confirmed up to the quarter's end."))
    pending = serializers.IntegerField()
    confirmed_percent = serializers.IntegerField(source="progress.confirmed_percent")


class ReportEngagementSerializer(serializers.Serializer):
    engagement = serializers.IntegerField(source="engagement.pk")
    agency = serializers.IntegerField(source="engagement.agency_id")
    agency_name = serializers.CharField(source="engagement.agency.display_name")
    status = serializers.ChoiceField(source="engagement.status", choices=Engagement.Status.choices)
    rows = ReportRowSerializer(many=True)


class QuarterlyReportSerializer(serializers.Serializer):
    firm = serializers.IntegerField(source="firm.pk")
    firm_name = serializers.CharField(source="firm.name")
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    first = serializers.DateField(help_text=_("The quarter's first day."))
    last = serializers.DateField(help_text=_("The quarter's last day."))
    assets = ReportAssetSerializer(many=True)
    asset_counts = AssetCountSerializer(many=True)
    deadlines_met = DeadlineSerializer(many=True, help_text=_("Marked done in the quarter."))
    deadlines_missed = DeadlineSerializer(many=True, help_text=_("Missed in the quarter."))
    deadlines_open = DeadlineSerializer(many=True, help_text=_("Due in the quarter, still open."))
    engagements = ReportEngagementSerializer(many=True)


def _report(request, firm_id, year, quarter):
    firm = selectors.firm_get_for_report(
        user=request.user, firm_id=firm_id, year=year, quarter=quarter
    )
    return custody_report.firm_quarter_report(firm=firm, year=year, quarter=quarter)


@extend_schema(tags=["reports"])
class QuarterlyReportView(ApiViewMixin, APIView):
    permission_classes = [Parties]
    filter_backends = []

    @extend_schema(
        summary=_("A firm's custody report for one quarter"),
        responses=refused({status.HTTP_200_OK: QuarterlyReportSerializer}),
    )
    def get(self, request, firm_id, year, quarter):
        report = _report(request, firm_id, year, quarter)
        return Response(QuarterlyReportSerializer(report).data)


@extend_schema(tags=["reports"])
class QuarterlyReportPdfView(ApiViewMixin, APIView):
    permission_classes = [Parties]
    filter_backends = []

    @extend_schema(
        summary=_("The quarterly report as a PDF"),
        responses=refused(
            {
                (status.HTTP_200_OK, "application/pdf"): OpenApiResponse(
                    OpenApiTypes.BINARY, description=_("The report, as the page prints it.")
                )
            }
        ),
    )
    def get(self, request, firm_id, year, quarter):
        report = _report(request, firm_id, year, quarter)
        response = HttpResponse(pdf.render_report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="custody-report-{firm_id}-{year}-Q{quarter}.pdf"'
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
