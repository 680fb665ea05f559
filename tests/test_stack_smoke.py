"""The production stack as `make serve` runs it, in the PostgreSQL + Redis profile.

`manage.py serve --workers 2` starts two uvicorn workers on one port, a Celery
worker and beat. Through that one port, pages and the API answer, a visitor is
handed to a live adviser over WebSocket, and a periodic job runs through beat.
(tests/chat/test_two_processes.py pins the visitor and the adviser to two
different server processes.)
"""

import asyncio
import contextlib
import datetime
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from custody.models import Deadline
from tests.chat.test_two_processes import _connect, _login_cookie, _receive, _send
from tests.custody.conftest import engagement, programme  # noqa: F401 (fixtures)
from tests.custody.deadline_helpers import trademark_renewal
from tests.custody.test_deadline_jobs_beat import _database_url, _years_before

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[1]
# Its own Redis database: no other test's Celery worker takes these jobs.
REDIS_DB = 13


@pytest.fixture(autouse=True)
def _postgres_and_redis_only():
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and Redis (run with DATABASE_URL and REDIS_URL)")


def _free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port, path, headers=None, method="GET", body=None):
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        client.request(method, path, body=body, headers=headers or {})
        response = client.getresponse()
        return response.status, response.read()
    finally:
        client.close()


class Stack:
    def __init__(self, tmp_path):
        self.port = _free_port()
        self.log_path = tmp_path / "serve.log"
        redis = urlunsplit(urlsplit(settings.REDIS_URL)._replace(path=f"/{REDIS_DB}"))
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": redis,
            "CHANNEL_LAYER_PREFIX": f"smoke-{uuid.uuid4().hex[:8]}",
            "CUSTODY_DEADLINE_JOB_SECONDS": "2",
            "VAR_DIR": str(tmp_path),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "INFO",
        }
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter and arguments
            [
                sys.executable,
                "manage.py",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                "2",
                "--celery-concurrency",
                "1",
                # The test database is migrated already; static files are not served here.
                "--no-release",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self):
        return self.log_path.read_text(errors="replace")

    def wait_until_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"make serve exited early:\n{self.output()[-4000:]}")
            with contextlib.suppress(OSError):
                if _get(self.port, "/readyz")[0] == 200:
                    return
            time.sleep(0.5)
        pytest.fail(f"the stack was not ready in time:\n{self.output()[-4000:]}")

    def web_workers(self, expected, timeout=60):
        """The web worker processes started, once `expected` have (the first answers alone)."""
        deadline = time.monotonic() + timeout
        while True:
            workers = set(re.findall(r"Started server process \[(\d+)\]", self.output()))
            if len(workers) >= expected or time.monotonic() > deadline:
                return workers
            time.sleep(0.5)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def stack(transactional_db, tmp_path):
    running = Stack(tmp_path)
    try:
        running.wait_until_ready()
        yield running
    finally:
        running.stop()


def test_two_web_workers_celery_and_beat_behind_one_port(stack, personas, engagement):  # noqa: F811
    today = timezone.localdate()
    # Registered twelve years ago and never renewed: the missed-deadline job flags it.
    # A renewal whose last day (grace included) passed unanswered. An in-force mark rolls on
    # to its current term, so the past renewal is set directly.
    missed = trademark_renewal(
        personas.firm, personas.firm_member, registered=_years_before(today, 10)
    )
    Deadline.objects.filter(pk=missed.pk).update(
        due_on=today - datetime.timedelta(days=400),
        original_due_on=today - datetime.timedelta(days=400),
        grace_ends_on=today - datetime.timedelta(days=200),
    )

    # Two web workers answer on the one port.
    status, body = _get(stack.port, "/readyz")
    assert (status, json.loads(body)["status"]) == (200, "ok")
    assert len(stack.web_workers(2)) == 2, stack.output()[-3000:]

    # Pages and the API.
    assert _get(stack.port, "/login/")[0] == 200
    officer = _login_cookie(personas.officer)
    status, body = _get(
        stack.port, "/api/v1/firms/", {"Cookie": f"{settings.SESSION_COOKIE_NAME}={officer}"}
    )
    assert status == 200, body
    assert json.loads(body)["count"] == 2

    # A hand-off over WebSocket through the same port.
    server = type("Server", (), {"address": f"127.0.0.1:{stack.port}"})()
    alice = _login_cookie(personas.firm_member)
    consultant = _login_cookie(personas.agency_consultant)

    async def hand_off():
        async with contextlib.AsyncExitStack() as sockets:
            adviser = await sockets.enter_async_context(
                await _connect(server, "/ws/chat/adviser/", consultant)
            )
            assert (await _receive(adviser))["type"] == "inbox"
            visitor = await sockets.enter_async_context(await _connect(server, "/ws/chat/", alice))
            assert (await _receive(visitor))["type"] == "history"
            await _send(visitor, {"type": "handoff", "topic": "Renewals", "contact": "a@x"})
            new = await _receive(adviser)
            while new["type"] != "new_conversation":
                new = await _receive(adviser)
            conversation_id = new["conversation"]["id"]
            await _send(adviser, {"type": "claim", "conversation_id": conversation_id})
            await _send(
                adviser, {"type": "reply", "conversation_id": conversation_id, "text": "Hi"}
            )
            said = await _receive(visitor)
            while said["type"] != "adviser_message":
                said = await _receive(visitor)
            return said["text"]

    assert asyncio.run(hand_off()) == "Hi"

    # Beat runs the missed-deadline job through the Celery worker.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if Deadline.objects.filter(pk=missed.pk, missed_at__isnull=False).exists():
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"beat did not run the job:\n{stack.output()[-4000:]}")
    assert "custody.flag_missed_deadlines" in stack.output()
    assert datetime.date.today() >= missed.due_on  # noqa: DTZ011 - a date, not a moment


def _pids(output, name):
    return [int(pid) for pid in re.findall(rf"started {name} \(pid (\d+)\)", output)]


def test_a_killed_celery_worker_is_restarted_alone_and_the_site_keeps_answering(stack):
    (worker,) = _pids(stack.output(), "worker")
    (web,) = _pids(stack.output(), "web")
    os.kill(worker, signal.SIGKILL)
    failures = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_pids(stack.output(), "worker")) < 2:
        try:
            status = _get(stack.port, "/healthz")[0]
        except OSError:
            status = None
        failures += status != 200
        time.sleep(0.1)
    assert len(_pids(stack.output(), "worker")) == 2, stack.output()[-3000:]
    assert failures == 0
    assert _pids(stack.output(), "web") == [web]
    assert stack.process.poll() is None
    stack.wait_until_ready(timeout=60)
