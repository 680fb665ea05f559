"""The assistant over plain HTTP: one question, one answer, no conversation kept."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from knox.auth import TokenAuthentication
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from chat.models import MAX_TEXT
from chat.services import answer_question
from chat.text import clean_text
from core.api.idempotency import IdempotentMixin
from core.errors import ActionError


class ChatThrottle(SimpleRateThrottle):
    """Per user, else per client address; the rate is REST_FRAMEWORK's "chat" entry."""

    scope = "chat"

    def get_rate(self):
        # Read on each request so a changed setting (tests, reload) takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = request.user.pk
        else:
            # REST_FRAMEWORK["NUM_PROXIES"] follows TRUST_X_FORWARDED_FOR: the address the
            # trusted proxy saw, never one the client wrote into X-Forwarded-For itself.
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnswerInput(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_TEXT, trim_whitespace=True)
    language = serializers.ChoiceField(
        choices=[("zh-hans", "中文"), ("en", "English")], required=False
    )

    def validate_text(self, value):
        # The WebSocket's own check, so both paths accept and refuse the same text.
        try:
            return clean_text(value)
        except ActionError as exc:
            raise serializers.ValidationError(exc.message, code=exc.code) from None


class SuggestionOutput(serializers.Serializer):
    faq_key = serializers.CharField()
    question = serializers.CharField()
    score = serializers.FloatField()


class AnswerOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["answer", "clarify", "fallback", "handoff"])
    faq_key = serializers.CharField(allow_null=True)
    score = serializers.FloatField()
    reply = serializers.CharField()
    suggestions = SuggestionOutput(many=True)
    language = serializers.CharField()


class AnswerView(IdempotentMixin, APIView):
    """Ask the FAQ assistant one question."""

    # A signed-in browser (the widget) is known by its session and must then send the CSRF
    # token, as SessionAuthentication enforces; a token client needs none, and an anonymous
    # visitor's JSON post has no session to ride on, so it needs none either.
    authentication_classes = [SessionAuthentication, TokenAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [ChatThrottle]

    @extend_schema(
        request=AnswerInput,
        responses={200: AnswerOutput},
        summary=_("Answer a question from the FAQ"),
        description=_(
            "kind is answer (reply is the FAQ answer), clarify (suggestions to choose "
            "from), fallback (the assistant does not know) or handoff (the visitor asks "
            "for a person; use the chat widget to be connected)."
        ),
        tags=["chat"],
    )
    def post(self, request):
        data = AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        answer = answer_question(
            data.validated_data["text"],
            language=data.validated_data.get("language"),
            user=request.user,
        )
        return Response(AnswerOutput(answer).data)
