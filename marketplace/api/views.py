"""REST API of the marketplace: thin views over selectors (reads) and actions (writes).

Every queryset comes from a selector, so another tenant's object is a 404.
Writes of participants are for programme officers; state changes are POST
actions that call the matching function in marketplace.actions, which checks
who may do them.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.exceptions import exception_handler
from core.api.filters import StrictOrderingFilter, UpdatedSinceFilter
from core.api.idempotency import IdempotentMixin
from core.api.permissions import OfficerWritesOnly
from core.api.problems import ProblemSerializer
from marketplace import actions, selectors
from marketplace.api import filters, serializers
from marketplace.models import Agency, Firm, Incubator, PackageItem, ProgrammeYear, ServiceItem

_REFUSED = {
    status.HTTP_403_FORBIDDEN: OpenApiResponse(
        ProblemSerializer, description=_("The caller may not do this.")
    ),
    status.HTTP_404_NOT_FOUND: OpenApiResponse(
        ProblemSerializer, description=_("Not found or not visible.")
    ),
    status.HTTP_409_CONFLICT: OpenApiResponse(
        ProblemSerializer,
        description=_("The object's state does not allow this, or a required reason is missing."),
    ),
}


class ApiViewMixin(IdempotentMixin):
    # The project's default backends, with a search whose errors name the parameter.
    filter_backends = [
        DjangoFilterBackend,
        filters.SearchFilter,
        StrictOrderingFilter,
        UpdatedSinceFilter,
    ]

    # Views answer action errors the same way even where the project-wide handler is not set.
    def get_exception_handler(self):
        return exception_handler


class ParticipantViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List and read what the caller may see; officers create and change records.

    Updates are partial (PATCH); records are not deleted through the API.
    """

    permission_classes = [OfficerWritesOnly]
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Subclasses name their model and the selector that scopes it to the caller.
    model = None
    selector = None

    def get_queryset(self):
        return self.selector(self.request.user)

    def _split(self, validated_data):
        many_names = {field.name for field in self.model._meta.many_to_many}
        fields = {k: v for k, v in validated_data.items() if k not in many_names}
        many = {k: v for k, v in validated_data.items() if k in many_names}
        return fields, many

    def _respond(self, instance, status_code=status.HTTP_200_OK):
        # Read back through the selector so the answer has what the caller can see, prefetched.
        fresh = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields, many = self._split(serializer.validated_data)
        instance = actions.participant_create(
            instance=self.model(**fields), by=request.user, many_to_many=many
        )
        return self._respond(instance, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields, many = self._split(serializer.validated_data)
        instance = actions.participant_update(
            instance=instance, by=request.user, changes=fields, many_to_many=many
        )
        return self._respond(instance)


@extend_schema_view(
    list=extend_schema(summary=_("Incubators the caller may see")),
    retrieve=extend_schema(summary=_("One incubator")),
    create=extend_schema(summary=_("Create an incubator (programme officers)")),
    partial_update=extend_schema(summary=_("Change an incubator (programme officers)")),
)
@extend_schema(tags=["incubators"])
class IncubatorViewSet(ParticipantViewSet):
    model = Incubator
    selector = staticmethod(selectors.incubators_visible_to)
    serializer_class = serializers.IncubatorSerializer
    filterset_class = filters.IncubatorFilter
    search_fields = ["name", "name_en"]
    ordering_fields = ["name", "level", "district", "created_at", "updated_at", "id"]


@extend_schema_view(
    list=extend_schema(summary=_("Firms the caller may see")),
    retrieve=extend_schema(summary=_("One firm")),
    create=extend_schema(summary=_("Create a firm (programme officers)")),
    partial_update=extend_schema(summary=_("Change a firm's details (programme officers)")),
)
@extend_schema(tags=["firms"])
class FirmViewSet(ParticipantViewSet):
    model = Firm
    selector = staticmethod(selectors.firms_visible_to)
    serializer_class = serializers.FirmSerializer
    filterset_class = filters.FirmFilter
    search_fields = ["name", "credit_code"]
    ordering_fields = [
        "name",
        "admitted_on",
        "headcount",
        "created_at",
        "verification",
        "updated_at",
        "id",
    ]

    @extend_schema(
        summary=_("Confirm that the firm is incubated here"),
        description=_("For a manager of the firm's incubator, or a programme officer."),
        request=None,
        responses={status.HTTP_200_OK: serializers.FirmSerializer, **_REFUSED},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def verify(self, request, pk=None):
        firm = actions.firm_verify(firm=self.get_object(), by=request.user)
        return self._respond(firm)

    @extend_schema(
        summary=_("Reject the firm, saying why"),
        description=_("For a manager of the firm's incubator, or a programme officer."),
        request=serializers.ReasonSerializer,
        responses={status.HTTP_200_OK: serializers.FirmSerializer, **_REFUSED},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def reject(self, request, pk=None):
        firm = self.get_object()
        body = serializers.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        firm = actions.firm_reject(firm=firm, by=request.user, reason=body.validated_data["reason"])
        return self._respond(firm)


@extend_schema_view(
    list=extend_schema(summary=_("Agencies the caller may see")),
    retrieve=extend_schema(summary=_("One agency")),
    create=extend_schema(summary=_("Create an agency (programme officers)")),
    partial_update=extend_schema(summary=_("Change an agency's details (programme officers)")),
)
@extend_schema(tags=["agencies"])
class AgencyViewSet(ParticipantViewSet):
    model = Agency
    selector = staticmethod(selectors.agencies_visible_to)
    serializer_class = serializers.AgencySerializer
    filterset_class = filters.AgencyFilter
    search_fields = ["name", "name_en", "credit_code", "expertise", "expertise_en"]
    ordering_fields = [
        "name",
        "status",
        "licence_valid_until",
        "yearly_capacity",
        "created_at",
        "updated_at",
        "id",
    ]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("service_items")

    def _change_status(self, request, action_function):
        agency = self.get_object()
        body = serializers.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        agency = action_function(
            agency=agency, by=request.user, reason=body.validated_data["reason"]
        )
        return self._respond(agency)

    @extend_schema(
        summary=_("Approve the agency, or reinstate a suspended one"),
        description=_(
            "For programme officers. An agency whose licence is not valid today is refused."
        ),
        request=None,
        responses={status.HTTP_200_OK: serializers.AgencySerializer, **_REFUSED},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def approve(self, request, pk=None):
        agency = actions.agency_approve(agency=self.get_object(), by=request.user)
        return self._respond(agency)

    @extend_schema(
        summary=_("Reject an agency's application, saying why"),
        request=serializers.ReasonSerializer,
        responses={status.HTTP_200_OK: serializers.AgencySerializer, **_REFUSED},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def reject(self, request, pk=None):
        return self._change_status(request, actions.agency_reject)

    @extend_schema(
        summary=_("Suspend an approved agency, saying why"),
        description=_("Suspension takes the agency out of matching at once."),
        request=serializers.ReasonSerializer,
        responses={status.HTTP_200_OK: serializers.AgencySerializer, **_REFUSED},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def suspend(self, request, pk=None):
        return self._change_status(request, actions.agency_suspend)


@extend_schema_view(
    list=extend_schema(summary=_("The service catalogue")),
    retrieve=extend_schema(summary=_("One service item")),
    create=extend_schema(summary=_("Add a service item (programme officers)")),
    partial_update=extend_schema(summary=_("Change a service item (programme officers)")),
)
@extend_schema(tags=["service items"])
class ServiceItemViewSet(ParticipantViewSet):
    model = ServiceItem
    selector = staticmethod(selectors.service_items_visible_to)
    serializer_class = serializers.ServiceItemSerializer
    filterset_class = filters.ServiceItemFilter
    search_fields = ["code", "name", "name_en"]
    ordering_fields = ["area", "code", "unit_price", "updated_at", "id"]


@extend_schema_view(
    list=extend_schema(summary=_("Programme years with their packages")),
    retrieve=extend_schema(summary=_("One programme year")),
    create=extend_schema(summary=_("Set up a programme year and its package (programme officers)")),
    partial_update=extend_schema(
        summary=_("Change a programme year or its package (programme officers)")
    ),
)
@extend_schema(tags=["programme years"])
class ProgrammeYearViewSet(ParticipantViewSet):
    model = ProgrammeYear
    selector = staticmethod(selectors.programme_years_visible_to)
    serializer_class = serializers.ProgrammeYearSerializer
    filterset_fields = ["year"]
    search_fields = ["name"]
    ordering_fields = ["year", "opens_on", "updated_at", "id"]

    def _save_package(self, *, year, items, by):
        """Add package items, or change the quota of those already there (keyed by service item)."""
        existing = {item.service_item_id: item for item in year.package_items.all()}
        for data in items:
            current = existing.get(data["service_item"].pk)
            if current is None:
                actions.participant_create(instance=PackageItem(programme_year=year, **data), by=by)
                continue
            changes = {
                name: value
                for name, value in data.items()
                if name != "service_item" and getattr(current, name) != value
            }
            if changes:
                actions.participant_update(instance=current, by=by, changes=changes)

    @transaction.atomic
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        items = fields.pop("package_items", [])
        year = actions.participant_create(instance=ProgrammeYear(**fields), by=request.user)
        self._save_package(year=year, items=items, by=request.user)
        return self._respond(year, status.HTTP_201_CREATED)

    @transaction.atomic
    def update(self, request, *args, **kwargs):
        year = self.get_object()
        serializer = self.get_serializer(year, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        items = fields.pop("package_items", [])
        if fields:
            year = actions.participant_update(instance=year, by=request.user, changes=fields)
        self._save_package(year=year, items=items, by=request.user)
        return self._respond(year)


@extend_schema_view(
    list=extend_schema(summary=_("High-tech parks")),
    retrieve=extend_schema(summary=_("One high-tech park")),
)
@extend_schema(tags=["high-tech parks"])
class HighTechParkViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.HighTechParkSerializer
    search_fields = ["name", "name_en"]
    filterset_fields = ["district"]
    ordering_fields = ["name", "district", "updated_at", "id"]

    def get_queryset(self):
        return selectors.parks_visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(summary=_("Audit trail the caller may see, newest first")),
    retrieve=extend_schema(summary=_("One audit event")),
)
@extend_schema(tags=["audit events"])
class AuditEventViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.AuditEventSerializer
    filterset_class = filters.AuditEventFilter
    search_fields = ["subject_repr", "reason"]
    ordering_fields = ["at", "id"]

    def get_queryset(self):
        return selectors.audit_events_visible_to(self.request.user)


@extend_schema(tags=["accounts"])
class MeView(ApiViewMixin, generics.RetrieveAPIView):
    """The signed-in user: role and memberships, for clients to pick their portal."""

    serializer_class = serializers.MeSerializer
    pagination_class = None
    filter_backends = []

    def get_object(self):
        return self.request.user
