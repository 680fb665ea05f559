"""Webhook endpoints and their deliveries: the agency's staff manage the agency's, programme
officers the office's; anyone else's are 404, other roles 403."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from custody.api.common import refused
from marketplace.api.serializers import LabelField
from marketplace.api.views import ApiViewMixin
from webhooks import actions, selectors
from webhooks.models import Attempt, Delivery, Endpoint, EventType


class EndpointOwners(BasePermission):
    message = _("Only agency staff and programme officers have webhooks.")

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user and user.is_authenticated and (user.is_agency_staff or user.is_programme_officer)
        )


class EndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices))
    secret_hint = serializers.CharField(
        read_only=True, help_text=_("The secret's last characters; the secret is shown once.")
    )

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "agency",
            "url",
            "description",
            "events",
            "active",
            "secret_hint",
            "secret_rotated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text=_("The signing secret, shown in this answer only: store it now."),
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class EndpointInputSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=500, help_text=_("An https:// address on a public host.")
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        allow_empty=False,
        help_text=_("The events to post to this URL."),
    )
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )


class EndpointUpdateSerializer(serializers.Serializer):
    url = serializers.CharField(required=False, max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), required=False, allow_empty=False
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    active = serializers.BooleanField(
        required=False,
        help_text=_(
            "False pauses deliveries: they wait, for at most their day of retries, until it is true again."
        ),
    )


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["at", "status_code", "duration_ms", "error"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="event.uid", read_only=True)
    event_type = serializers.ChoiceField(
        source="event.type", choices=EventType.choices, read_only=True
    )
    object = serializers.CharField(source="event.object_key", read_only=True)
    status_display = LabelField(source="status")
    payload = serializers.JSONField(source="event.payload", read_only=True)
    log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "object",
            "status",
            "status_display",
            "attempts",
            "next_attempt_at",
            "retry_until",
            "delivered_at",
            "last_status_code",
            "last_error",
            "created_at",
            "updated_at",
            "payload",
            "log",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary=_("Webhook endpoints of the caller's agency (or of the office)")),
    retrieve=extend_schema(summary=_("One webhook endpoint")),
)
@extend_schema(tags=["webhooks"])
class EndpointViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = EndpointSerializer
    permission_classes = [EndpointOwners]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["active"]
    search_fields = ["url", "description"]
    ordering_fields = ["created_at", "updated_at", "id"]

    def get_queryset(self):
        return selectors.endpoints_visible_to(self.request.user).order_by("pk")

    @extend_schema(
        summary=_("Register an endpoint; the answer carries its signing secret, once"),
        request=EndpointInputSerializer,
        responses=refused({status.HTTP_201_CREATED: EndpointWithSecretSerializer}),
    )
    def create(self, request):
        body = EndpointInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = request.user
        endpoint = actions.endpoint_create(
            agency=user.agency if user.is_agency_staff else None,
            by=user,
            **body.validated_data,
        )
        return Response(EndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Change the URL, events, description, or pause and resume"),
        request=EndpointUpdateSerializer,
        responses=refused({status.HTTP_200_OK: EndpointSerializer}),
    )
    def partial_update(self, request, pk=None):
        endpoint = self.get_object()
        body = EndpointUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        endpoint = actions.endpoint_update(
            endpoint=endpoint, by=request.user, **body.validated_data
        )
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(
        summary=_("Remove the endpoint and its delivery log"),
        responses=refused({status.HTTP_204_NO_CONTENT: OpenApiResponse(description=_("Removed."))}),
    )
    def destroy(self, request, pk=None):
        actions.endpoint_delete(endpoint=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary=_("Replace the signing secret at once; the answer carries the new one, once"),
        request=None,
        responses=refused({status.HTTP_200_OK: EndpointWithSecretSerializer}),
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = actions.endpoint_rotate_secret(endpoint=self.get_object(), by=request.user)
        return Response(EndpointWithSecretSerializer(endpoint).data)


@extend_schema_view(
    list=extend_schema(summary=_("Deliveries to the caller's endpoints, newest first")),
    retrieve=extend_schema(summary=_("One delivery with every attempt")),
)
@extend_schema(tags=["webhooks"])
class DeliveryViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = DeliverySerializer
    permission_classes = [EndpointOwners]
    filterset_fields = {"endpoint": ["exact"], "status": ["exact"], "event__type": ["exact"]}
    ordering_fields = ["created_at", "updated_at", "id"]

    def get_queryset(self):
        return (
            selectors.deliveries_visible_to(self.request.user)
            .prefetch_related("log")
            .order_by("-pk")
        )

    @extend_schema(
        summary=_("Send the delivery again now (same event id)"),
        request=None,
        responses=refused({status.HTTP_202_ACCEPTED: DeliverySerializer}),
    )
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        delivery = actions.delivery_replay(delivery=self.get_object(), by=request.user)
        fresh = self.get_queryset().get(pk=delivery.pk)
        return Response(DeliverySerializer(fresh).data, status=status.HTTP_202_ACCEPTED)
