"""With Redis unreachable the site degrades: pages and the chat answer work, live chat
says it is off, /readyz names what is down. Redis is pointed at a port nobody listens on."""

import logging
import re
import socket

import pytest
from django.core.cache import cache
from django.urls import reverse

from chat import availability
from core import cache as fallback_cache

pytestmark = pytest.mark.django_db


def _chat_status(html):
    return re.search(r"data-chat-status[^>]*>([^<]*)<", html).group(1)


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.FallbackRedisCache", "LOCATION": url, "KEY_PREFIX": "x"}
    }
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": url}]},
        }
    }
    availability.forget()
    yield url
    availability.forget()
    fallback_cache._state["down"] = False


def test_the_public_home_page_answers_and_says_live_chat_is_off(client, redis_down):
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert 'data-live="0"' in response.text
    assert _chat_status(response.text).startswith("Live chat is unavailable")


def test_the_chat_answer_works_without_the_cache(client, redis_down):
    response = client.post(
        "/api/v1/chat/answer",
        {"text": "How do I pay the patent annual fee?"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["kind"] in {"answer", "clarify", "fallback"}


def test_signed_in_pages_and_the_adviser_inbox_answer(client, personas, redis_down):
    client.force_login(personas.agency_consultant)
    assert client.get(reverse("frontend:role-home"), follow=True).status_code == 200
    inbox = client.get(reverse("chat:inbox"))
    assert inbox.status_code == 200
    assert 'data-testid="live-chat-unavailable"' in inbox.text


def test_readyz_names_the_cache_and_the_channel_layer(client, redis_down):
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["cache"] == "failed"
    assert checks["channel_layer"] == "failed"


def test_the_outage_is_logged_once_not_per_request(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        for _ in range(5):
            assert cache.get("some-key", "default") == "default"
            cache.set("some-key", "value")
            assert cache.incr("counter") == 1
    assert [record.getMessage() for record in caplog.records] == [
        "cache unavailable (ConnectionError): serving without it until it answers"
    ]


def test_with_redis_up_live_chat_is_on(client, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    response = client.get("/", follow=True)
    assert 'data-live="1"' in response.text
    assert _chat_status(response.text) == ""
