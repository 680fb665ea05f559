"""IP assets of the firms whose portfolio the caller may see: list, read, add, change, and
import a CSV/XLSX file with a report of every bad cell.

Reads come from custody.selectors; every change is custody.actions.asset_create or
asset_update (the import calls them too), which check who may edit and derive the deadlines.
"""

import django_filters as filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from core.api.exceptions import ProblemError
from core.api.problems import ProblemSerializer, field_error
from custody import actions, selectors
from custody.api.common import Parties, PortfolioEditors, refused
from custody.import_limits import FileRefused
from custody.models import IPAsset, PortfolioImport
from custody.portfolio_io import PortfolioImportError, UnreadableFile, import_portfolio_upload
from marketplace.api.filters import IdFilter
from marketplace.api.serializers import LabelField
from marketplace.api.views import ApiViewMixin


class IPAssetSerializer(serializers.ModelSerializer):
    firm_name = serializers.CharField(source="firm.name", read_only=True)
    kind_display = LabelField(source="kind")
    status_display = LabelField(source="status")
    patent_type_display = LabelField(source="patent_type")
    expires_on = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = IPAsset
        fields = [
            "id",
            "firm",
            "firm_name",
            "kind",
            "kind_display",
            "number",
            "title",
            "status",
            "status_display",
            "patent_type",
            "patent_type_display",
            "pct",
            "filing_date",
            "grant_date",
            "registration_date",
            "nice_classes",
            "expiry_override",
            "joint_owners",
            "expires_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class IPAssetInputSerializer(serializers.Serializer):
    """An asset's facts; number formats, check digits and the dates each kind needs are the
    model's rules, refused on the field they name."""

    firm = serializers.PrimaryKeyRelatedField(
        queryset=IPAsset.objects.none(), help_text=_("The firm whose portfolio gets the asset.")
    )
    kind = serializers.ChoiceField(choices=IPAsset.Kind.choices)
    number = serializers.CharField(
        max_length=40,
        help_text=_(
            "Patent: the application number with its check digit, e.g. 200910005164.2. "
            "Trademark: the registration number. Software copyright: e.g. 2023SR0123456."
        ),
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=IPAsset.Status.choices, default=IPAsset.Status.PENDING)
    filing_date = serializers.DateField(required=False, allow_null=True, default=None)
    grant_date = serializers.DateField(required=False, allow_null=True, default=None)
    registration_date = serializers.DateField(required=False, allow_null=True, default=None)
    nice_classes = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=45),
        required=False,
        default=list,
        max_length=45,
        help_text=_("Trademarks: Nice classes, 1 to 45."),
    )
    expiry_override = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Only if the official expiry differs from the computed one."),
    )

    joint_owners = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "Patents: owned with others (the official fee reduction is then 70%, not 85%)."
        ),
    )

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        fields["firm"].queryset = selectors.deadline_firms_visible_to(
            getattr(request, "user", None)
        )
        return fields


class IPAssetUpdateSerializer(IPAssetInputSerializer):
    """The facts to change; the firm and the kind of an asset stay."""

    def get_fields(self):
        fields = super().get_fields()
        del fields["firm"]
        del fields["kind"]
        for field in fields.values():
            field.required = False
        return fields


class ImportSerializer(serializers.Serializer):
    firm = serializers.PrimaryKeyRelatedField(
        queryset=IPAsset.objects.none(), help_text=_("The firm whose portfolio is imported into.")
    )
    file = serializers.FileField(
        help_text=_(
            "CSV (UTF-8) or XLSX; columns kind, number, title, filing_date, grant_date, status, "
            "nice_classes, registration_date; the header is row 1."
        )
    )

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        fields["firm"].queryset = selectors.deadline_firms_visible_to(
            getattr(request, "user", None)
        )
        return fields


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()


class PortfolioImportSerializer(serializers.ModelSerializer):
    """A file imported in the background: poll it until `status` is done or failed."""

    status_display = LabelField(source="status")
    percent = serializers.IntegerField(read_only=True, help_text=_("Rows checked, in percent."))
    rows = serializers.JSONField(
        source="errors", read_only=True, help_text=_("Every bad cell when it failed on rows.")
    )

    class Meta:
        model = PortfolioImport
        fields = [
            "id",
            "firm",
            "file_name",
            "status",
            "status_display",
            "rows_total",
            "rows_checked",
            "percent",
            "created_count",
            "updated_count",
            "message",
            "rows",
            "created_at",
            "updated_at",
            "finished_at",
        ]
        read_only_fields = fields


class AssetFilter(filters.FilterSet):
    firm = IdFilter(field_name="firm_id", help_text=_("Firm id."))

    class Meta:
        model = IPAsset
        fields = ["firm", "kind", "status"]


class ImportFilter(filters.FilterSet):
    firm = IdFilter(field_name="firm_id", help_text=_("Firm id."))

    class Meta:
        model = PortfolioImport
        fields = ["firm", "status"]


def _facts(validated):
    """The action's fields: the asset's facts without the firm it belongs to."""
    fields = dict(validated)
    fields.pop("firm", None)
    return fields


@extend_schema_view(
    list=extend_schema(summary=_("IP assets of the portfolios the caller may see")),
    retrieve=extend_schema(summary=_("One IP asset")),
)
@extend_schema(tags=["ip assets"])
class IPAssetViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = IPAssetSerializer
    permission_classes = [Parties]
    filterset_class = AssetFilter
    search_fields = ["number", "title"]
    ordering_fields = ["number", "kind", "created_at", "updated_at", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.assets_visible_to(self.request.user).order_by("kind", "number", "pk")

    def get_permissions(self):
        if self.action in {"create", "partial_update"}:
            return [PortfolioEditors()]
        return super().get_permissions()

    def _respond(self, asset, status_code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=asset.pk)
        return Response(IPAssetSerializer(fresh).data, status=status_code)

    @extend_schema(
        summary=_("Add an asset to a portfolio (the firm or its custody agency)"),
        description=_("Its deadlines are derived at once."),
        request=IPAssetInputSerializer,
        responses=refused({status.HTTP_201_CREATED: IPAssetSerializer}),
    )
    def create(self, request, *args, **kwargs):
        body = IPAssetInputSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        asset = actions.asset_create(
            firm=body.validated_data["firm"], by=request.user, fields=_facts(body.validated_data)
        )
        return self._respond(asset, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Change an asset's facts (the firm or its custody agency)"),
        description=_("Its deadlines follow the change."),
        request=IPAssetUpdateSerializer,
        responses=refused({status.HTTP_200_OK: IPAssetSerializer}),
    )
    def partial_update(self, request, *args, **kwargs):
        asset = self.get_object()
        body = IPAssetUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        asset = actions.asset_update(
            asset=asset, by=request.user, changes=_facts(body.validated_data)
        )
        return self._respond(asset)

    @extend_schema(
        summary=_("Import a CSV or XLSX file into a portfolio (the firm or its custody agency)"),
        description=_(
            "Every row is checked first: one bad row and nothing is imported; the answer "
            "names each bad cell. A number already in the portfolio updates that asset. "
            "A file over the size, row or column limits is refused before it is read. A "
            "big file is imported in the background: the answer is 202 with the import to "
            "poll (its Location)."
        ),
        request={"multipart/form-data": ImportSerializer},
        responses=refused(
            {
                status.HTTP_200_OK: ImportResultSerializer,
                status.HTTP_202_ACCEPTED: PortfolioImportSerializer,
                status.HTTP_400_BAD_REQUEST: OpenApiResponse(
                    ProblemSerializer,
                    description=_(
                        "Bad rows (code import_rows_invalid; each bad cell in errors as "
                        "rows.<row>.<column>, rows numbered as a spreadsheet does), or an "
                        "unreadable file."
                    ),
                ),
            }
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser],
        permission_classes=[PortfolioEditors],
        pagination_class=None,
        filter_backends=[],
    )
    def import_file(self, request):
        body = ImportSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        firm = body.validated_data["firm"]
        try:
            outcome = import_portfolio_upload(
                firm=firm, upload=body.validated_data["file"], by=request.user
            )
        except PortfolioImportError as error:
            cells = [field_error(f"rows.{e.row}.{e.column}", e.message) for e in error.errors]
            raise ProblemError(
                _("Nothing was imported: some rows are wrong."),
                status_code=status.HTTP_400_BAD_REQUEST,
                code="import_rows_invalid",
                errors=cells,
            ) from None
        except FileRefused as error:
            raise serializers.ValidationError({"file": [error.message]}) from None
        except UnreadableFile:
            raise serializers.ValidationError(
                {"file": [_("The file could not be read as CSV (UTF-8) or XLSX.")]}
            ) from None
        if outcome.job is not None:
            job = selectors.portfolio_import_get_for_user(
                user=request.user, import_id=outcome.job.pk
            )
            location = reverse("api:asset-import-detail", args=[job.pk], request=request)
            return Response(
                PortfolioImportSerializer(job).data,
                status=status.HTTP_202_ACCEPTED,
                headers={"Location": location},
            )
        return Response(
            ImportResultSerializer({"created": outcome.created, "updated": outcome.updated}).data
        )


@extend_schema_view(
    list=extend_schema(summary=_("Background portfolio imports the caller may see")),
    retrieve=extend_schema(summary=_("One background portfolio import, with its progress")),
)
@extend_schema(tags=["ip assets"])
class PortfolioImportViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = PortfolioImportSerializer
    permission_classes = [Parties]
    filterset_class = ImportFilter
    ordering_fields = ["created_at", "updated_at", "id"]

    def get_queryset(self):
        return selectors.portfolio_imports_visible_to(self.request.user).order_by(
            "-created_at", "-pk"
        )
