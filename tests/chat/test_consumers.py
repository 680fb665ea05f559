"""The WebSocket protocol of chat/PROTOCOL.md, through the full ASGI stack."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from chat import consumers, writer
from chat.models import Conversation
from config.asgi import application
from tests.chat.conftest import online

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")


def anonymous_session():
    store = SessionStore()
    store.create()
    return store.session_key


def login_cookie(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def communicator(path="/ws/chat/", session_key=None):
    headers = [ORIGIN]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def connect(path="/ws/chat/", session_key=None):
    ws = communicator(path, session_key)
    connected, _code = await ws.connect()
    assert connected
    first = await ws.receive_json_from(timeout=10)
    return ws, first


def run(coroutine_function):
    return async_to_sync(coroutine_function)()


def test_connect_answer_clarify_fallback_and_history_on_reconnect():
    key = anonymous_session()
    other = anonymous_session()

    async def scenario():
        ws, first = await connect(session_key=key)
        assert first == {"type": "history", "messages": []}
        await ws.send_json_to({"type": "message", "text": "How do I pay the patent annual fee?"})
        # The first answer builds the index and loads jieba's dictionary: 11 s on a 2-core
        # machine at load average 13.
        answer = await ws.receive_json_from(timeout=60)
        assert answer["type"] == "answer"
        assert answer["faq_key"] == "annual-fee"
        assert answer["reply"].startswith("Pay the annual fee")
        assert isinstance(answer["message_id"], int)
        await ws.send_json_to({"type": "message", "text": "fee"})
        clarify = await ws.receive_json_from(timeout=10)
        assert clarify["type"] == "clarify"
        assert len(clarify["suggestions"]) == 2
        await ws.send_json_to({"type": "message", "text": "What is the weather in Paris tomorrow?"})
        assert (await ws.receive_json_from(timeout=10))["type"] == "fallback"
        await ws.send_json_to(
            {"type": "feedback", "message_id": answer["message_id"], "value": "up"}
        )
        assert (await ws.receive_json_from(timeout=10))["type"] == "feedback_saved"
        await ws.disconnect()

        again, history = await connect(session_key=key)
        assert history["type"] == "history"
        senders = [m["sender"] for m in history["messages"]]
        assert senders == ["user", "bot"] * 3
        assert history["messages"][1]["feedback"] == "up"
        await again.disconnect()

        stranger, theirs = await connect(session_key=other)
        assert theirs["messages"] == []
        await stranger.disconnect()

    run(scenario)


def test_anonymous_visitor_without_a_session_gets_one():
    async def scenario():
        ws, first = await connect()
        assert first["type"] == "history"
        await ws.send_json_to({"type": "message", "text": "fee"})
        assert (await ws.receive_json_from(timeout=10))["type"] == "clarify"
        await ws.disconnect()

    run(scenario)
    assert Conversation.objects.get().session_key


def test_a_cookieless_first_message_is_one_trip_to_the_database_thread(monkeypatch):
    """The session, the conversation and the message in one call; no lookup of a
    conversation for a session made just now; no trip just to close old connections."""
    trips, lookups, closings = [], [], []
    real = consumers.database_sync_to_async

    def counted(fn):
        trips.append(getattr(fn, "__name__", repr(fn)))
        return real(fn)

    async def closing():
        closings.append(1)

    monkeypatch.setattr(consumers, "database_sync_to_async", counted)
    monkeypatch.setattr(writer, "database_sync_to_async", counted)
    monkeypatch.setattr("channels.consumer.aclose_old_connections", closing)
    real_lookup = consumers.actions.selectors.conversation_current_for_visitor
    monkeypatch.setattr(
        consumers.actions.selectors,
        "conversation_current_for_visitor",
        lambda **kw: lookups.append(kw) or real_lookup(**kw),
    )

    async def scenario():
        ws, _first = await connect()
        assert trips == []  # nothing to look up for a socket without a session
        await ws.send_json_to({"type": "message", "text": "How do I pay the patent annual fee?"})
        assert (await ws.receive_json_from(timeout=10))["type"] == "answer"
        first_trips = list(trips)
        trips.clear()
        await ws.send_json_to({"type": "message", "text": "fee"})
        assert (await ws.receive_json_from(timeout=10))["type"] == "clarify"
        await ws.disconnect()
        return first_trips

    first_trips = run(scenario)
    assert first_trips == ["messages_post"]
    assert trips == ["messages_post"]
    assert lookups == [] and closings == []
    conversation = Conversation.objects.get()
    assert conversation.session_key
    assert conversation.messages.count() == 4


def test_an_empty_first_message_starts_no_conversation():
    async def scenario():
        ws, _first = await connect()
        await ws.send_json_to({"type": "message", "text": "   "})
        assert (await ws.receive_json_from(timeout=10))["type"] == "error"
        await ws.disconnect()

    run(scenario)
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        "[1, 2]",
        '{"no": "type"}',
        '{"type": "dance"}',
        '{"type": "message"}',
        '{"type": "message", "text": ""}',
        '{"type": "message", "text": 42}',
        '{"type": "feedback", "message_id": 1, "value": "up"}',
    ],
)
def test_malformed_frames_get_an_error_and_the_connection_stays_usable(frame):
    key = anonymous_session()

    async def scenario():
        ws, _history = await connect(session_key=key)
        await ws.send_to(text_data=frame)
        error = await ws.receive_json_from(timeout=10)
        assert error["type"] == "error"
        assert error["code"] and error["message"]
        await ws.send_json_to({"type": "message", "text": "fee"})
        assert (await ws.receive_json_from(timeout=10))["type"] == "clarify"
        await ws.disconnect()

    run(scenario)


def test_binary_and_oversized_frames_are_refused():
    key = anonymous_session()

    async def scenario():
        ws, _history = await connect(session_key=key)
        await ws.send_to(bytes_data=b"\x00\x01")
        assert (await ws.receive_json_from(timeout=10))["code"] == "malformed"
        await ws.send_json_to({"type": "message", "text": "x" * 2001})
        assert (await ws.receive_json_from(timeout=10))["code"] == "too_long"
        await ws.disconnect()

    run(scenario)


def test_flooding_is_refused_then_closed_with_4008(monkeypatch):
    key = anonymous_session()

    monkeypatch.setattr(consumers, "RATE_MESSAGES", 2)

    async def scenario():
        ws, _history = await connect(session_key=key)
        for _ in range(2):
            await ws.send_json_to({"type": "typing"})
        await ws.send_json_to({"type": "typing"})
        assert (await ws.receive_json_from(timeout=10))["code"] == "rate_limited"
        await ws.send_json_to({"type": "typing"})
        assert (await ws.receive_json_from(timeout=10))["code"] == "rate_limited"
        await ws.send_json_to({"type": "typing"})
        closed = await ws.receive_output(timeout=10)
        assert closed == {"type": "websocket.close", "code": 4008}

    run(scenario)


def test_handoff_adviser_reply_transfer_resolve_and_csat(personas):
    online(personas.agency_consultant)
    alice = login_cookie(personas.firm_member)
    consultant = login_cookie(personas.agency_consultant)
    manager = login_cookie(personas.incubator_manager)

    async def scenario():
        adviser, inbox = await connect("/ws/chat/adviser/", consultant)
        assert inbox == {"type": "inbox", "conversations": []}
        visitor, _history = await connect(session_key=alice)
        await visitor.send_json_to({"type": "message", "text": "fee"})
        await visitor.receive_json_from(timeout=10)
        await visitor.send_json_to({"type": "handoff", "topic": "Fees", "contact": "alice@x"})
        system = await visitor.receive_json_from(timeout=10)
        assert system["type"] == "system"
        state = await visitor.receive_json_from(timeout=10)
        assert state == {
            "type": "handoff_state",
            "state": "queued",
            "ticket": False,
            "queue_position": 1,
        }
        new = await adviser.receive_json_from(timeout=10)
        assert new["type"] == "new_conversation"
        conversation_id = new["conversation"]["id"]
        assert new["conversation"]["topic"] == "Fees"

        await adviser.send_json_to({"type": "claim", "conversation_id": conversation_id})
        assert await visitor.receive_json_from(timeout=10) == {
            "type": "adviser_joined",
            "name": str(personas.agency_consultant),
        }
        assert (await visitor.receive_json_from(timeout=10))["state"] == "open"
        assert (await adviser.receive_json_from(timeout=10))["type"] == "claimed"

        await adviser.send_json_to(
            {"type": "reply", "conversation_id": conversation_id, "text": "How can I help?"}
        )
        said = await visitor.receive_json_from(timeout=10)
        assert (said["type"], said["text"]) == ("adviser_message", "How can I help?")
        assert (await adviser.receive_json_from(timeout=10))["type"] == "replied"

        await visitor.send_json_to({"type": "message", "text": "My annual fee is late"})
        assert (await visitor.receive_json_from(timeout=10))["type"] == "sent"
        heard = await adviser.receive_json_from(timeout=10)
        assert (heard["type"], heard["text"]) == ("visitor_message", "My annual fee is late")
        await visitor.send_json_to({"type": "typing"})
        assert (await adviser.receive_json_from(timeout=10))["type"] == "typing"

        colleague, _inbox = await connect("/ws/chat/adviser/", manager)
        await adviser.send_json_to(
            {
                "type": "transfer",
                "conversation_id": conversation_id,
                "to": personas.incubator_manager.pk,
            }
        )
        assert (await visitor.receive_json_from(timeout=10))["type"] == "adviser_left"
        assert (await visitor.receive_json_from(timeout=10))["state"] == "queued"
        assert (await colleague.receive_json_from(timeout=10))["type"] == "new_conversation"
        assert (await adviser.receive_json_from(timeout=10))["type"] == "transferred"
        # The first adviser no longer sees it.
        await adviser.send_json_to({"type": "resolve", "conversation_id": conversation_id})
        assert (await adviser.receive_json_from(timeout=10))["code"] == "not_found"

        await colleague.send_json_to({"type": "claim", "conversation_id": conversation_id})
        await colleague.receive_json_from(timeout=10)
        await visitor.receive_json_from(timeout=10)
        await visitor.receive_json_from(timeout=10)
        await colleague.send_json_to({"type": "resolve", "conversation_id": conversation_id})
        assert (await visitor.receive_json_from(timeout=10))["state"] == "resolved"
        assert (await colleague.receive_json_from(timeout=10))["type"] == "resolved"
        await visitor.send_json_to({"type": "csat", "score": 5})
        assert (await visitor.receive_json_from(timeout=10))["type"] == "csat_saved"
        for ws in (visitor, adviser, colleague):
            await ws.disconnect()

    run(scenario)
    conversation = Conversation.objects.get()
    assert (conversation.state, conversation.csat) == ("resolved", 5)


def test_reconnect_while_waiting_replays_history_and_the_queue_state(personas):
    alice = login_cookie(personas.firm_member)

    async def scenario():
        visitor, _history = await connect(session_key=alice)
        await visitor.send_json_to({"type": "handoff", "topic": "Fees"})
        assert (await visitor.receive_json_from(timeout=10))["type"] == "system"
        state = await visitor.receive_json_from(timeout=10)
        assert (state["state"], state["ticket"]) == ("queued", True)
        await visitor.disconnect()
        again, history = await connect(session_key=alice)
        assert [m["sender"] for m in history["messages"]] == ["system"]
        assert (await again.receive_json_from(timeout=10))["type"] == "handoff_state"
        await again.disconnect()

    run(scenario)


def test_the_adviser_socket_refuses_visitors(personas):
    alice = login_cookie(personas.firm_member)

    async def scenario():
        ws = communicator("/ws/chat/adviser/", alice)
        connected, _code = await ws.connect()
        assert connected
        assert await ws.receive_output(timeout=10) == {"type": "websocket.close", "code": 4003}

    run(scenario)


def test_adviser_presence_follows_the_connection(personas):
    consultant = login_cookie(personas.agency_consultant)

    async def scenario():
        ws, _inbox = await connect("/ws/chat/adviser/", consultant)
        presence = await sync_to_async(lambda: personas.agency_consultant.chat_presence)()
        assert presence.online
        await ws.disconnect()

    run(scenario)
    personas.agency_consultant.chat_presence.refresh_from_db()
    assert not personas.agency_consultant.chat_presence.online


def test_foreign_origins_are_refused():
    async def scenario():
        ws = WebsocketCommunicator(
            application, "/ws/chat/", headers=[(b"origin", b"http://evil.example")]
        )
        connected, _code = await ws.connect()
        assert not connected

    run(scenario)


def test_asking_for_a_person_in_a_message_offers_the_handoff():
    key = anonymous_session()

    async def scenario():
        ws, _history = await connect(session_key=key)
        await ws.send_json_to({"type": "message", "text": "I want to talk to a person"})
        reply = await ws.receive_json_from(timeout=10)
        assert reply["type"] == "handoff"
        assert "adviser" in reply["reply"]
        await ws.disconnect()

    run(scenario)
