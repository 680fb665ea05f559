"""API tokens: exchange a password for one, list your own, revoke one.

Tokens are django-rest-knox's: the database keeps a digest, each expires after
API_TOKEN_TTL_HOURS, a password change revokes them all (marketplace.passwords). The token
itself is in the answer to `POST auth/token/` only; later it is named by its first
characters (`token_key`).
"""

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.parsers import JSONParser
from core.api.problems import ProblemSerializer
from marketplace import actions, selectors
from marketplace.api.serializers import CredentialsSerializer
from marketplace.api.views import ApiViewMixin


class LoginSerializer(CredentialsSerializer):
    def validate(self, attrs):
        # Django's own request: django-axes marks a lockout on it, and its middleware reads
        # the mark there (a DRF Request would keep it to itself).
        user = authenticate(
            request=self.context["request"],
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                _("Unable to log in with provided credentials."), code="authorization"
            )
        return {**attrs, "user": user}


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=_('Send it as "Authorization: Token <token>". It is shown only this once.')
    )
    token_key = serializers.CharField(help_text=_("Its first characters, which name it later."))
    expiry = serializers.DateTimeField(
        allow_null=True, help_text=_("When it stops working; ask for a new one before then.")
    )


class ApiTokenSerializer(serializers.Serializer):
    token_key = serializers.CharField(help_text=_("The token's first characters."))
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)
    current = serializers.SerializerMethodField(
        help_text=_("Whether this request was authenticated with this token.")
    )

    def get_current(self, token) -> bool:
        auth = getattr(self.context.get("request"), "auth", None)
        return getattr(auth, "pk", None) == token.pk


@extend_schema(tags=["accounts"])
class TokenView(ApiViewMixin, APIView):
    """Exchange a username and password for a new API token, which expires."""

    # A token request carries its own credentials; a browser session would only add CSRF checks.
    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(
        summary=_("Get an API token"),
        description=_(
            "Each call issues a new token; it expires after the configured time "
            "(API_TOKEN_TTL_HOURS) and is revoked when the password changes."
        ),
        request=CredentialsSerializer,
        responses={
            status.HTTP_200_OK: IssuedTokenSerializer,
            status.HTTP_429_TOO_MANY_REQUESTS: OpenApiResponse(
                ProblemSerializer,
                description=_("Too many failed sign-ins: locked for a while."),
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        body = LoginSerializer(data=request.data, context={"request": request._request})
        body.is_valid(raise_exception=True)
        row, token = actions.api_token_issue(user=body.validated_data["user"])
        return Response(
            IssuedTokenSerializer(
                {"token": token, "token_key": row.token_key, "expiry": row.expiry}
            ).data
        )


@extend_schema(tags=["accounts"])
class TokenListView(ApiViewMixin, generics.ListAPIView):
    """The caller's own API tokens still in force, newest first (never the tokens themselves)."""

    serializer_class = ApiTokenSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(summary=_("List my API tokens"))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.api_tokens_of(self.request.user)


@extend_schema(tags=["accounts"])
class TokenRevokeView(ApiViewMixin, APIView):
    @extend_schema(
        summary=_("Revoke one of my API tokens"),
        parameters=[
            OpenApiParameter(
                "token_key",
                str,
                OpenApiParameter.PATH,
                description=_("The token's first characters, as listed."),
            )
        ],
        responses={status.HTTP_204_NO_CONTENT: None},
    )
    def delete(self, request, token_key):
        actions.api_token_revoke(user=request.user, token_key=token_key, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
