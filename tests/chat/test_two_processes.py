"""A hand-off across two server processes: the visitor on one Daphne, the adviser on another.

Only the Redis channel layer carries groups between processes, so this runs in the
PostgreSQL + Redis profile and is skipped on the embedded default. Both servers use the
test's own database (committed rows: transaction=True) and the test's own channel layer
prefix (CHANNEL_LAYER_PREFIX), so parallel workers sharing Redis never hear each other.
"""

import asyncio
import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from chat.models import Conversation, Message

BASE_DIR = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 60.0


def _uses_redis_layer():
    return settings.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis.")


pytestmark = [
    pytest.mark.skipif(
        not _uses_redis_layer(),
        reason="Two processes share groups only through the Redis channel layer (REDIS_URL).",
    ),
    pytest.mark.django_db(transaction=True),
]


def _test_database_url():
    """A DATABASE_URL for the database this test runs on (test_test, test_test_gw1, …)."""
    name = connection.settings_dict["NAME"]
    configured = os.environ.get("DATABASE_URL", "")
    if configured:
        return urlsplit(configured)._replace(path="/" + quote(name)).geturl()
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serving(port):
    try:
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        client.request("GET", "/chat/session/")
        status = client.getresponse().status
        client.close()
    except OSError:
        return False
    return status == 204


class Server:
    def __init__(self, name, env, log_dir):
        self.name = name
        self.port = _free_port()
        self.log = log_dir / f"daphne-{name}.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603  (our interpreter, our arguments)
                [
                    sys.executable,
                    "-m",
                    "daphne",
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "--access-log",
                    os.devnull,
                    "config.asgi:application",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def output(self):
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]

    def wait_until_serving(self, deadline):
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"Daphne {self.name} exited early:\n{self.output()}")
            if _serving(self.port):
                return
            time.sleep(0.2)
        pytest.fail(f"Daphne {self.name} did not start in time:\n{self.output()}")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    """Two Daphne processes on this test's database and channel layer prefix."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        # tests/conftest.py gives each test its own prefix; the servers must use it too.
        "CHANNEL_LAYER_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
        "LOG_LEVEL": "WARNING",
    }
    servers = []
    try:
        servers = [Server(name, env, tmp_path) for name in ("a", "b")]
        deadline = time.monotonic() + STARTUP_TIMEOUT
        for server in servers:
            server.wait_until_serving(deadline)
        yield servers
    finally:
        for server in servers:
            server.process.terminate()
        for server in servers:
            server.stop()


def _login_cookie(user):
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def _connect(server, path, session_key):
    from websockets.asyncio.client import connect

    return await connect(
        f"ws://{server.address}{path}",
        origin=f"http://{server.address}",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"},
        open_timeout=20,
    )


async def _receive(ws, timeout=10):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def _send(ws, frame):
    await ws.send(json.dumps(frame))


def test_visitor_on_one_process_and_adviser_on_another_hear_each_other(two_servers, personas):
    process_a, process_b = two_servers
    assert process_a.process.pid != process_b.process.pid
    alice = _login_cookie(personas.firm_member)
    consultant = _login_cookie(personas.agency_consultant)

    async def scenario():
        async with contextlib.AsyncExitStack() as stack:
            adviser = await stack.enter_async_context(
                await _connect(process_b, "/ws/chat/adviser/", consultant)
            )
            assert await _receive(adviser) == {"type": "inbox", "conversations": []}
            visitor = await stack.enter_async_context(await _connect(process_a, "/ws/chat/", alice))
            assert await _receive(visitor) == {"type": "history", "messages": []}

            # A → B: the hand-off reaches the adviser's socket on the other process.
            await _send(visitor, {"type": "handoff", "topic": "Annual fees", "contact": "a@x"})
            assert (await _receive(visitor))["type"] == "system"
            queued = await _receive(visitor)
            assert (queued["state"], queued["ticket"]) == ("queued", False)
            new = await _receive(adviser)
            assert new["type"] == "new_conversation"
            assert new["conversation"]["topic"] == "Annual fees"
            conversation_id = new["conversation"]["id"]

            # B → A: claiming and replying reach the visitor.
            await _send(adviser, {"type": "claim", "conversation_id": conversation_id})
            assert await _receive(visitor) == {
                "type": "adviser_joined",
                "name": str(personas.agency_consultant),
            }
            assert (await _receive(visitor))["state"] == "open"
            assert (await _receive(adviser))["type"] == "claimed"
            await _send(
                adviser,
                {"type": "reply", "conversation_id": conversation_id, "text": "Hello from B"},
            )
            said = await _receive(visitor)
            assert (said["type"], said["sender"], said["text"]) == (
                "adviser_message",
                "adviser",
                "Hello from B",
            )
            assert (await _receive(adviser))["type"] == "replied"
            await _send(adviser, {"type": "typing", "conversation_id": conversation_id})
            assert await _receive(visitor) == {"type": "typing"}

            # A → B: the visitor's words and typing reach the adviser.
            await _send(visitor, {"type": "message", "text": "Hello from A"})
            assert (await _receive(visitor))["type"] == "sent"
            heard = await _receive(adviser)
            assert (heard["type"], heard["conversation_id"], heard["text"]) == (
                "visitor_message",
                conversation_id,
                "Hello from A",
            )
            await _send(visitor, {"type": "typing"})
            assert await _receive(adviser) == {
                "type": "typing",
                "conversation_id": conversation_id,
            }

            # B → A: resolving ends the chat on the visitor's side.
            await _send(adviser, {"type": "resolve", "conversation_id": conversation_id})
            assert (await _receive(visitor))["state"] == "resolved"
            assert (await _receive(adviser))["type"] == "resolved"
        return conversation_id

    conversation_id = asyncio.run(scenario())
    conversation = Conversation.objects.get(pk=conversation_id)
    assert conversation.state == Conversation.State.RESOLVED
    assert conversation.assigned_to == personas.agency_consultant
    messages = list(conversation.messages.order_by("pk").values_list("sender", "text"))
    assert [sender for sender, _text in messages] == [
        Message.Sender.SYSTEM,
        Message.Sender.ADVISER,
        Message.Sender.USER,
    ]
    assert [text for _sender, text in messages[1:]] == ["Hello from B", "Hello from A"]
