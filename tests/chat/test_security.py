"""The chat items of the security review (issue #14, items 5, 6, 7 and 11), each kept fixed."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.core.cache import cache

from chat.models import AdviserPresence
from tests.chat.test_consumers import anonymous_session, communicator, login_cookie, run
from tests.problems import field_errors

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/chat/answer"


def at(address, path="/ws/chat/", session_key=None):
    """A socket whose peer is `address`, as Daphne or uvicorn put it in the scope."""
    ws = communicator(path, session_key)
    ws.scope["client"] = (address, 40000)
    return ws


@pytest.fixture
def throttled(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"chat": "3/min"},
    }
    cache.clear()


def _statuses(client, forwarded_for):
    return [
        client.post(
            URL,
            {"text": "fee"},
            content_type="application/json",
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=address,
        ).status_code
        for address in forwarded_for
    ]


@pytest.mark.usefixtures("throttled")
def test_item5_a_forged_x_forwarded_for_does_not_escape_the_chat_throttle(client):
    statuses = _statuses(client, [f"198.51.100.{n}" for n in range(5)])

    # No proxy is trusted: every request is the peer 203.0.113.7, whatever the header says.
    assert statuses == [200, 200, 200, 429, 429]


@pytest.mark.usefixtures("throttled")
def test_item5_behind_the_trusted_proxy_the_throttle_keys_on_the_hop_it_appended(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    # The client forges the first entries; the proxy appends the address it saw, last.
    forged = _statuses(client, [f"10.0.0.{n}, 192.0.2.44" for n in range(4)])
    other_client = _statuses(client, ["192.0.2.45"])

    assert forged == [200, 200, 200, 429]
    assert other_client == [200]


def test_item5_the_trusted_proxy_setting_decides_num_proxies():
    from config import settings as config

    assert config.REST_FRAMEWORK["NUM_PROXIES"] == (1 if config.TRUST_X_FORWARDED_FOR else 0)


def test_item6_connections_per_address_are_limited_and_released(settings):
    settings.CHAT_WS_CONNECTIONS_PER_ADDRESS = 2

    async def scenario():
        first, second = at("192.0.2.1"), at("192.0.2.1")
        for ws in (first, second):
            assert (await ws.connect())[0]
            assert (await ws.receive_json_from(timeout=10))["type"] == "history"
        third = at("192.0.2.1")
        await third.connect()
        assert await third.receive_output(timeout=10) == {"type": "websocket.close", "code": 4029}
        # Another address is not affected, and a closed socket frees its place.
        elsewhere = at("192.0.2.2")
        assert (await elsewhere.connect())[0]
        await first.disconnect()
        fourth = at("192.0.2.1")
        assert (await fourth.connect())[0]
        assert (await fourth.receive_json_from(timeout=10))["type"] == "history"
        for ws in (second, elsewhere, fourth):
            await ws.disconnect()

    run(scenario)


def test_item6_messages_are_limited_per_address_across_its_sockets(settings):
    settings.CHAT_WS_MESSAGES_PER_ADDRESS = (3, 60.0)
    keys = [anonymous_session(), anonymous_session()]

    async def scenario():
        sockets = [at("192.0.2.9", session_key=key) for key in keys]
        for ws in sockets:
            await ws.connect()
            await ws.receive_json_from(timeout=10)
        kinds = []
        for n in range(4):
            ws = sockets[n % 2]
            await ws.send_json_to({"type": "message", "text": "fee"})
            reply = await ws.receive_json_from(timeout=10)
            kinds.append(reply.get("code") or reply["type"])
        for ws in sockets:
            await ws.disconnect()
        return kinds

    # Each socket is far below its own limit of 20 frames; the address is not.
    assert run(scenario) == ["clarify", "clarify", "clarify", "rate_limited"]


def test_item6_a_socket_that_only_connects_creates_no_session_row():
    async def scenario():
        ws = communicator()
        await ws.connect()
        assert (await ws.receive_json_from(timeout=10)) == {"type": "history", "messages": []}
        rows_after_connect = await sync_to_async(Session.objects.count)()
        await ws.send_json_to({"type": "message", "text": "fee"})
        assert (await ws.receive_json_from(timeout=10))["type"] == "clarify"
        rows_after_message = await sync_to_async(Session.objects.count)()
        await ws.disconnect()
        return rows_after_connect, rows_after_message

    assert run(scenario) == (0, 1)


@pytest.mark.parametrize("text", ["\\ud800", "abc\\udfffdef", "nul \\u0000 here"])
def test_item7_lone_surrogate_or_nul_over_websocket_is_a_protocol_error_and_the_socket_stays_usable(
    text,
):
    async def scenario():
        ws = communicator()
        await ws.connect()
        await ws.receive_json_from(timeout=10)
        await ws.send_to(text_data='{"type": "message", "text": "' + text + '"}')
        refused = await ws.receive_json_from(timeout=10)
        await ws.send_json_to({"type": "message", "text": "How do I pay the patent annual fee?"})
        answered = await ws.receive_json_from(timeout=10)
        await ws.disconnect()
        return refused, answered

    refused, answered = run(scenario)

    assert (refused["type"], refused["code"]) == ("error", "invalid_text")
    assert answered["type"] == "answer"


@pytest.mark.parametrize("text", ["\ud800", "nul \x00 here"])
def test_item7_rest_refuses_the_same_text_as_the_websocket(client, text):
    from chat.text import clean_text
    from core.errors import ActionError

    response = client.post(URL, json.dumps({"text": text}), "application/json")

    assert response.status_code == 400
    assert list(field_errors(response)) == ["text"]
    with pytest.raises(ActionError):
        clean_text(text)


def test_item11_an_adviser_with_two_tabs_stays_online_when_one_closes(personas):
    cookie = login_cookie(personas.agency_consultant)

    def online():
        return AdviserPresence.objects.get(user=personas.agency_consultant).online

    async def scenario():
        first = communicator("/ws/chat/adviser/", cookie)
        second = communicator("/ws/chat/adviser/", cookie)
        for ws in (first, second):
            await ws.connect()
            assert (await ws.receive_json_from(timeout=10))["type"] == "inbox"
        await first.disconnect()
        after_one = await sync_to_async(online)()
        await second.disconnect()
        after_both = await sync_to_async(online)()
        return after_one, after_both

    assert run(scenario) == (True, False)
