"""REST API of the contracting flow: custody requests, offers, engagements, changes of
agency, cohort allocation and notifications.

Reads come from the selectors, so another tenant's object is a 404; each POST
calls one action, which checks the actor's right and the object's state again.
The role checks here only answer the wrong role early with a 403.
"""

import django_filters as filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from core.actions.notices import notification_read, notifications_read_all
from core.api.exceptions import ProblemError
from core.api.filters import StrictOrderingFilter, UpdatedSinceFilter
from core.api.problems import ProblemSerializer, field_error
from core.models import Notification
from core.selectors import notifications_for, unread_notification_count
from marketplace import actions, eligibility, selectors
from marketplace.api import allocation_serializers as als
from marketplace.api import contracting_serializers as cs
from marketplace.api.filters import IdFilter
from marketplace.api.serializers import AuditEventSerializer, ReasonSerializer
from marketplace.api.views import ApiViewMixin
from marketplace.models import CustodyRequest, Engagement, EngagementItem, Offer, RequestItem
from marketplace.selectors.ranking import rank_request

# --- Who may call what ------------------------------------------------------------------


def _signed_in(request):
    return bool(request.user and request.user.is_authenticated)


class FirmMembersOnly(BasePermission):
    message = _("Only a member of the firm can do this.")

    def has_permission(self, request, view):
        return _signed_in(request) and request.user.is_firm_member


class AgencyStaffOnly(BasePermission):
    message = _("Only staff of the agency that received the offer can answer it.")

    def has_permission(self, request, view):
        return _signed_in(request) and request.user.is_agency_staff


class OfficersOnly(BasePermission):
    message = _("Only a programme officer can do this.")

    def has_permission(self, request, view):
        return _signed_in(request) and request.user.is_programme_officer


class CandidateReaders(BasePermission):
    """The firm, its incubator's adviser and the programme office; agencies never see rivals."""

    message = _("Agencies cannot see the candidates of a request.")

    def has_permission(self, request, view):
        user = request.user
        return _signed_in(request) and (
            user.is_firm_member or user.is_incubator_manager or user.is_programme_officer
        )


def _refused(answers):
    responses = {
        status.HTTP_403_FORBIDDEN: OpenApiResponse(
            ProblemSerializer, description=_("The caller's role may not do this.")
        ),
        status.HTTP_404_NOT_FOUND: OpenApiResponse(
            ProblemSerializer, description=_("Not found or not visible.")
        ),
        status.HTTP_409_CONFLICT: OpenApiResponse(
            ProblemSerializer, description=_("The object's state does not allow this.")
        ),
        status.HTTP_400_BAD_REQUEST: OpenApiResponse(
            ProblemSerializer, description=_("The input is refused, e.g. a missing reason.")
        ),
    }
    responses.update(answers)
    return responses


# --- Querysets: scoped by the selectors, prefetched for the serializers ----------------------


def _request_items(lookup):
    return Prefetch(lookup, queryset=RequestItem.objects.select_related("service_item"))


def _requests(user):
    visible_offers = selectors.offers_visible_to(user).select_related(None).select_related("agency")
    return selectors.custody_requests_visible_to(user).prefetch_related(
        _request_items("items"), Prefetch("offers", queryset=visible_offers)
    )


def _offers(user):
    return (
        selectors.offers_visible_to(user)
        .select_related("engagement")
        .prefetch_related(_request_items("request__items"))
    )


def _engagements(user):
    return (
        selectors.engagements_visible_to(user)
        .select_related("successor")
        .prefetch_related(
            Prefetch("items", queryset=EngagementItem.objects.select_related("service_item"))
        )
    )


# For lists without free text worth searching.
_NO_SEARCH = [DjangoFilterBackend, StrictOrderingFilter, UpdatedSinceFilter]


class CustodyRequestFilter(filters.FilterSet):
    programme_year = IdFilter(field_name="programme_year_id", help_text=_("Programme year id."))
    firm = IdFilter(field_name="firm_id", help_text=_("Firm id."))

    class Meta:
        model = CustodyRequest
        fields = ["status", "programme_year", "firm"]


class OfferFilter(filters.FilterSet):
    request = IdFilter(field_name="request_id", help_text=_("Custody request id."))

    class Meta:
        model = Offer
        fields = ["status", "source", "request"]


class EngagementFilter(filters.FilterSet):
    firm = IdFilter(field_name="firm_id", help_text=_("Firm id."))
    agency = IdFilter(field_name="agency_id", help_text=_("Agency id."))
    programme_year = IdFilter(field_name="programme_year_id", help_text=_("Programme year id."))

    class Meta:
        model = Engagement
        fields = ["status", "firm", "agency", "programme_year"]


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", help_text=_("Only unread (true) or read.")
    )

    class Meta:
        model = Notification
        fields = ["kind", "unread"]


# --- Custody requests -----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Custody requests the caller may see")),
    retrieve=extend_schema(summary=_("One custody request with its items and offers")),
)
@extend_schema(tags=["custody requests"])
class CustodyRequestViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = cs.CustodyRequestSerializer
    filterset_class = CustodyRequestFilter
    search_fields = ["firm__name", "needs"]
    ordering_fields = ["submitted_at", "status", "updated_at", "id"]

    def get_queryset(self):
        return _requests(self.request.user)

    def get_permissions(self):
        if self.action == "create":
            return [FirmMembersOnly()]
        return super().get_permissions()

    def _respond(self, custody_request, status_code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=custody_request.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    @extend_schema(
        summary=_("Ask for custody (firm members)"),
        description=_(
            "Checks eligibility and refuses with every rule the firm fails. When only the "
            "budget is short the request is accepted onto the waiting list."
        ),
        request=cs.CustodyRequestCreateSerializer,
        responses=_refused(
            {
                status.HTTP_201_CREATED: cs.CustodyRequestSerializer,
                status.HTTP_400_BAD_REQUEST: OpenApiResponse(
                    ProblemSerializer,
                    description=_(
                        "Ineligible (code ineligible, each failed rule in errors with its code), "
                        "or invalid items."
                    ),
                ),
            }
        ),
    )
    def create(self, request, *args, **kwargs):
        body = cs.CustodyRequestCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        try:
            submitted = actions.request_submit(
                firm=request.user.firm, by=request.user, **body.validated_data
            )
        except actions.Ineligible as refusal:
            rules = [field_error(None, eligibility.describe(r), r.code) for r in refusal.rules]
            raise ProblemError(
                refusal.message,
                status_code=status.HTTP_400_BAD_REQUEST,
                code=refusal.code,
                errors=rules,
            ) from None
        return self._respond(submitted, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Withdraw the request (firm members)"),
        description=_("Pending offers are withdrawn with it and their agencies told."),
        request=ReasonSerializer,
        responses=_refused({status.HTTP_200_OK: cs.CustodyRequestSerializer}),
    )
    @action(detail=True, methods=["post"], permission_classes=[FirmMembersOnly])
    def withdraw(self, request, pk=None):
        custody_request = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actions.request_withdraw(
            request=custody_request, by=request.user, reason=body.validated_data["reason"]
        )
        return self._respond(custody_request)

    @extend_schema(
        summary=_("Ranked candidate agencies, with the reasons of each score"),
        description=_(
            "For the firm, its incubator's manager and programme officers. Agencies that a "
            "hard constraint rules out are only counted, by rule."
        ),
        parameters=[cs.CandidateQuerySerializer],
        responses=_refused({status.HTTP_200_OK: cs.CandidatesSerializer}),
    )
    @action(
        detail=True,
        methods=["get"],
        permission_classes=[CandidateReaders],
        pagination_class=None,
        filter_backends=[],
    )
    def candidates(self, request, pk=None):
        custody_request = self.get_object()
        query = cs.CandidateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        ranking, _profiles = rank_request(custody_request, limit=query.validated_data["limit"])
        agencies = selectors.agencies_visible_to(request.user).in_bulk(
            [candidate.agency_id for candidate in ranking.candidates]
        )
        return Response(cs.CandidatesSerializer.from_ranking(ranking, agencies).data)

    @extend_schema(
        summary=_("Offer the request to one of its candidates (firm members)"),
        request=cs.ChooseAgencySerializer,
        responses=_refused({status.HTTP_201_CREATED: cs.OfferSerializer}),
    )
    @action(detail=True, methods=["post"], permission_classes=[FirmMembersOnly])
    def choose(self, request, pk=None):
        custody_request = self.get_object()
        body = cs.ChooseAgencySerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        offer = actions.offer_make(
            request=custody_request, agency=body.validated_data["agency"], by=request.user
        )
        fresh = _offers(request.user).get(pk=offer.pk)
        return Response(
            cs.OfferSerializer(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary=_("The request's history with its offers and engagements, oldest first"),
        responses=_refused({status.HTTP_200_OK: AuditEventSerializer(many=True)}),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, pk=None):
        events = selectors.audit_events_of_request(user=request.user, request_id=pk)
        return Response(AuditEventSerializer(events, many=True).data)


# --- Offers ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("Offers the caller may see; for an agency, its inbox"),
        description=_(
            "Filter ?status=pending and sort ?ordering=respond_by for what is due first."
        ),
    ),
    retrieve=extend_schema(summary=_("One offer with its deadline and match reasons")),
)
@extend_schema(tags=["offers"])
class OfferViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = cs.OfferSerializer
    filterset_class = OfferFilter
    search_fields = ["request__firm__name"]
    ordering_fields = ["respond_by", "sent_at", "score", "updated_at", "id"]

    def get_queryset(self):
        return _offers(self.request.user)

    @extend_schema(
        summary=_("Accept the offer (staff of the agency)"),
        description=_(
            "Starts the engagement and reserves its money in one transaction. Refused with "
            "409 when the offer was already accepted, declined, withdrawn or has expired, "
            "when the agency has no capacity left, or when the budget is exhausted (the firm "
            "then joins the waiting list); the code says which."
        ),
        request=None,
        responses=_refused({status.HTTP_201_CREATED: cs.EngagementSerializer}),
    )
    @action(detail=True, methods=["post"], permission_classes=[AgencyStaffOnly])
    def accept(self, request, pk=None):
        engagement = actions.offer_accept(offer=self.get_object(), by=request.user)
        fresh = _engagements(request.user).get(pk=engagement.pk)
        return Response(
            cs.EngagementSerializer(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary=_("Decline the offer, saying why (staff of the agency)"),
        description=_("The firm is told and the request reopens for its next choice."),
        request=ReasonSerializer,
        responses=_refused({status.HTTP_200_OK: cs.OfferSerializer}),
    )
    @action(detail=True, methods=["post"], permission_classes=[AgencyStaffOnly])
    def decline(self, request, pk=None):
        offer = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actions.offer_decline(offer=offer, by=request.user, reason=body.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=offer.pk)).data)


# --- Engagements and changes of agency -----------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Engagements the caller may see")),
    retrieve=extend_schema(summary=_("One engagement with its items and amounts")),
)
@extend_schema(tags=["engagements"])
class EngagementViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = cs.EngagementSerializer
    filterset_class = EngagementFilter
    search_fields = ["firm__name", "agency__name"]
    ordering_fields = ["created_at", "starts_on", "status", "updated_at", "id"]

    def get_queryset(self):
        return _engagements(self.request.user)

    @extend_schema(
        summary=_("Cancel the engagement, saying why (programme officers)"),
        description=_("Releases its money on the budget; waitlisted firms are served from it."),
        request=ReasonSerializer,
        responses=_refused({status.HTTP_200_OK: cs.EngagementSerializer}),
    )
    @action(detail=True, methods=["post"], permission_classes=[OfficersOnly])
    def cancel(self, request, pk=None):
        engagement = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actions.engagement_cancel(
            engagement=engagement, by=request.user, reason=body.validated_data["reason"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=engagement.pk)).data)

    @extend_schema(
        summary=_("Ask to move to another agency (firm members)"),
        description=_("A programme officer approves or refuses the change."),
        request=cs.ChangeAgencySerializer,
        responses=_refused({status.HTTP_201_CREATED: cs.AgencyChangeSerializer}),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="change-agency",
        permission_classes=[FirmMembersOnly],
    )
    def change_agency(self, request, pk=None):
        engagement = self.get_object()
        body = cs.ChangeAgencySerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        change = actions.agency_change_request(
            engagement=engagement, by=request.user, **body.validated_data
        )
        fresh = selectors.agency_changes_visible_to(request.user).get(pk=change.pk)
        return Response(
            cs.AgencyChangeSerializer(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema_view(
    list=extend_schema(summary=_("Changes of agency the caller may see")),
    retrieve=extend_schema(summary=_("One change of agency")),
)
@extend_schema(tags=["agency changes"])
class AgencyChangeViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = cs.AgencyChangeSerializer
    filter_backends = _NO_SEARCH
    filterset_fields = ["status"]
    ordering_fields = ["requested_at", "decided_at", "updated_at", "id"]

    def get_queryset(self):
        return selectors.agency_changes_visible_to(self.request.user)

    @extend_schema(
        summary=_("Approve the change (programme officers)"),
        description=_(
            "What is left of the engagement moves to the new agency in a new engagement; "
            "the old one keeps its history. Answers with the new engagement."
        ),
        request=None,
        responses=_refused({status.HTTP_201_CREATED: cs.EngagementSerializer}),
    )
    @action(detail=True, methods=["post"], permission_classes=[OfficersOnly])
    def approve(self, request, pk=None):
        engagement = actions.agency_change_approve(change=self.get_object(), by=request.user)
        fresh = _engagements(request.user).get(pk=engagement.pk)
        return Response(
            cs.EngagementSerializer(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary=_("Refuse the change, saying why (programme officers)"),
        request=ReasonSerializer,
        responses=_refused({status.HTTP_200_OK: cs.AgencyChangeSerializer}),
    )
    @action(detail=True, methods=["post"], permission_classes=[OfficersOnly])
    def refuse(self, request, pk=None):
        change = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actions.agency_change_refuse(
            change=change, by=request.user, reason=body.validated_data["reason"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=change.pk)).data)


# --- Cohort allocation -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Allocation runs, newest first (programme officers)")),
    retrieve=extend_schema(
        summary=_("One allocation run with its assignments and the firms left unplaced")
    ),
)
@extend_schema(tags=["allocation runs"])
class AllocationRunViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [OfficersOnly]
    filter_backends = _NO_SEARCH
    filterset_fields = ["status"]
    ordering_fields = ["created_at", "updated_at", "id"]

    def get_queryset(self):
        return selectors.allocation_runs_visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return als.AllocationRunSummarySerializer
        return als.AllocationRunSerializer

    def _respond(self, run, status_code=status.HTTP_200_OK):
        """The run with the names its result refers to, in two queries whatever its size."""
        user = self.request.user
        result = run.result
        agency_ids = {row["agency"] for row in result.get("assignments", [])}
        agency_ids |= {row["agency"] for row in result.get("load", [])}
        context = {
            **self.get_serializer_context(),
            "requests": selectors.custody_requests_visible_to(user).in_bulk(run.request_ids),
            "agencies": selectors.agencies_visible_to(user).in_bulk(agency_ids),
        }
        return Response(als.AllocationRunSerializer(run, context=context).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    @extend_schema(
        summary=_("Preview an allocation of open requests"),
        description=_(
            "Solves an optimal assignment under the agencies' free capacity and stores it; "
            "nothing is offered until the run is committed."
        ),
        request=als.AllocationRunCreateSerializer,
        responses=_refused({status.HTTP_201_CREATED: als.AllocationRunSerializer}),
    )
    def create(self, request, *args, **kwargs):
        body = als.AllocationRunCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        run = actions.allocation_preview(by=request.user, **body.validated_data)
        return self._respond(self.get_queryset().get(pk=run.pk), status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Commit the allocation: send its offers"),
        description=_("Requests that are no longer open are skipped and listed."),
        request=None,
        responses=_refused({status.HTTP_200_OK: als.AllocationRunSerializer}),
    )
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        run = actions.allocation_commit(run=self.get_object(), by=request.user)
        return self._respond(self.get_queryset().get(pk=run.pk))


# --- Notifications --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("My notifications, newest first")),
    retrieve=extend_schema(summary=_("One of my notifications")),
)
@extend_schema(tags=["notifications"])
class NotificationViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = als.NotificationSerializer
    filter_backends = _NO_SEARCH
    filterset_class = NotificationFilter
    ordering_fields = ["created_at", "updated_at", "id"]
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return notifications_for(self.request.user)

    @extend_schema(
        summary=_("Mark one notification read"),
        request=None,
        responses=_refused({status.HTTP_200_OK: als.NotificationSerializer}),
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = notification_read(notification=self.get_object(), by=request.user)
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        summary=_("Mark all my notifications read"),
        request=None,
        responses={status.HTTP_200_OK: als.MarkedSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="read-all",
        pagination_class=None,
        filter_backends=[],
    )
    def read_all(self, request):
        marked = notifications_read_all(by=request.user)
        return Response(als.MarkedSerializer({"marked": marked}).data)

    @extend_schema(
        summary=_("How many of my notifications are unread"),
        responses={status.HTTP_200_OK: als.UnreadCountSerializer},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="unread-count",
        pagination_class=None,
        filter_backends=[],
    )
    def unread_count(self, request):
        unread = unread_notification_count(request.user)
        return Response(als.UnreadCountSerializer({"unread": unread}).data)
