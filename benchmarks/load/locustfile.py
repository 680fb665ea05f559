"""The mix that `make bench-load` drives through Locust (started by benchmarks.load.run).

Each simulated person signs in once through the login page as a demo user of their
role and then, with 1-3 s of thought between steps, reads pages and the API and now
and then does something that changes data:

- firm member (demo-firm): home, portfolio, requests, deadlines, agencies; API; adds a
  trademark to the firm's portfolio (custody.actions.asset_create);
- agency staff (demo-agency): home, offers, engagements, deadline board, scorecard; API;
  marks one of its unread notifications read (POST /api/v1/notifications/<id>/read/);
- incubator manager (demo-manager): home, dashboard, firms, deadline board; API; gets a
  new secret calendar address (custody.actions.calendar_feed_revoke);
- programme officer (demo-officer): home, the programme dashboard, an incubator's
  dashboard, the incubators; API;
- chat visitor (anonymous): asks the assistant over the WebSocket /ws/chat/, which
  stores the question and the answer (chat.actions.message_post); the round trip is
  from sending the question to the answer frame.

The two dashboards (group "dashboard") have their own target: p95 within twice /healthz's.
One more user, outside the people, asks /healthz every half second: the trivial endpoint
measured on the same stack at the same time, which the figures are divided by.

Every request is written to BENCH_LOAD_SAMPLES (JSON) when Locust stops; latency
counts for requests started after the last person signed in, errors count throughout.
"""

import itertools
import json
import os
import random
import time
from http.cookiejar import DefaultCookiePolicy

import websocket
from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

PASSWORD = os.environ.get("BENCH_LOAD_PASSWORD", "ipcustody-demo")
SAMPLES_PATH = os.environ.get("BENCH_LOAD_SAMPLES", "")
QUESTIONS = json.loads(os.environ.get("BENCH_LOAD_QUESTIONS", '["托管服务包含哪些内容？"]'))
ANSWER_TYPES = {"answer", "clarify", "fallback", "handoff"}
CHAT_TIMEOUT = 15.0

_samples = []
_state = {"signed_in": 0, "measured_from": None, "cpu_from": None, "started": time.time()}
_trademarks = itertools.count(random.randrange(10**8, 9 * 10**8, 10**5))


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, context, **kwargs):
    _samples.append(
        {
            "at": time.time(),
            "group": (context or {}).get("group", "other"),
            "write": bool((context or {}).get("write")),
            "name": name,
            "ms": response_time,
            "error": None if exception is None else f"{type(exception).__name__}: {exception}",
        }
    )


@events.quitting.add_listener
def _write_samples(environment, **kwargs):
    if SAMPLES_PATH:
        with open(SAMPLES_PATH, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "started": _state["started"],
                    "measured_from": _state["measured_from"],
                    "stopped": time.time(),
                    "signed_in": _state["signed_in"],
                    # Locust's own CPU seconds in the measured window (it shares the machine).
                    "locust_cpu": time.process_time() - (_state["cpu_from"] or 0.0),
                    "samples": _samples,
                },
                handle,
            )


def _people_expected(environment):
    options = environment.parsed_options
    return options.num_users - sum(1 for cls in environment.user_classes if cls.fixed_count)


class Person(FastHttpUser):
    """Someone signed in through the login page; Django's cookies travel over plain HTTP."""

    abstract = True
    username = ""
    wait_time = between(1, 3)

    def on_start(self):
        # The stack runs without TLS here; the cookies it marks Secure must still go back.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=("http", "https")))
        self.page("/login/", name="login page", group="login")
        with self.client.post(
            "/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.csrf_token(),
            },
            name="login",
            context={"group": "login", "write": True},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            signed_in = response.status_code == 302
            if not signed_in:
                response.failure(f"sign-in as {self.username} answered {response.status_code}")
        if not signed_in:
            # Never counted as signed in, so the run reports that not everyone was.
            raise StopUser
        self.me = self.api("/api/v1/me/", name="/api/v1/me/").json()
        self.prepare()
        _state["signed_in"] += 1
        if _state["signed_in"] == _people_expected(self.environment):
            _state["measured_from"], _state["cpu_from"] = time.time(), time.process_time()

    def prepare(self):
        """What a person does once after signing in (not measured apart)."""

    def csrf_token(self):
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")

    def page(self, path, *, name=None, group="page"):
        with self.client.get(
            path, name=name or path, context={"group": group}, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            return response

    def api(self, path, *, name=None):
        with self.client.get(
            path,
            name=name or path,
            headers={"Accept": "application/json"},
            context={"group": "api"},
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            return response

    def post_form(self, path, data, *, name, expect=302):
        data = {**data, "csrfmiddlewaretoken": self.csrf_token()}
        with self.client.post(
            path,
            data=data,
            name=name,
            context={"group": "page", "write": True},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != expect:
                response.failure(f"{response.status_code}")
            return response

    def post_api(self, path, *, name, expect=200):
        with self.client.post(
            path,
            headers={"Accept": "application/json", "X-CSRFToken": self.csrf_token()},
            name=name,
            context={"group": "api", "write": True},
            catch_response=True,
        ) as response:
            if response.status_code != expect:
                response.failure(f"{response.status_code}")
            return response


class FirmMember(Person):
    weight = 3
    username = "demo-firm"

    @task(3)
    def home(self):
        self.page("/firm/")

    @task(2)
    def portfolio(self):
        self.page("/portfolio/")

    @task(1)
    def requests(self):
        self.page("/requests/")

    @task(1)
    def deadlines(self):
        self.page("/deadlines/")

    @task(1)
    def agencies(self):
        self.page("/agencies/")

    @task(2)
    def unread(self):
        self.api("/api/v1/notifications/unread-count/")

    @task(1)
    def my_requests(self):
        self.api("/api/v1/custody-requests/")

    @task(1)
    def agencies_api(self):
        self.api("/api/v1/agencies/?status=approved", name="/api/v1/agencies/?status=approved")

    @task(1)
    def add_trademark(self):
        firm = self.me["firm"]
        self.post_form(
            f"/firms/{firm}/portfolio/new/",
            {
                "kind": "trademark",
                "number": str(next(_trademarks)),
                "title": "负载测试商标",
                "status": "in_force",
                "registration_date": "2020-03-14",
                "nice_classes": "9, 42",
            },
            name="/firms/<id>/portfolio/new/ (add a trademark)",
        )


class AgencyStaff(Person):
    weight = 3
    username = "demo-agency"

    @task(3)
    def home(self):
        self.page("/agency/")

    @task(1)
    def offers(self):
        self.page("/offers/")

    @task(1)
    def engagements(self):
        self.page("/engagements/")

    @task(2)
    def deadlines(self):
        self.page("/deadlines/")

    @task(1)
    def scorecard(self):
        self.page("/dashboards/agency/")

    @task(2)
    def engagements_api(self):
        self.api("/api/v1/engagements/")

    @task(1)
    def offers_api(self):
        self.api("/api/v1/offers/?status=pending", name="/api/v1/offers/?status=pending")

    @task(2)
    def read_a_notification(self):
        unread = self.api(
            "/api/v1/notifications/?unread=true", name="/api/v1/notifications/?unread=true"
        )
        if unread.status_code != 200 or not unread.json()["results"]:
            return
        notification = random.choice(unread.json()["results"])
        self.post_api(
            f"/api/v1/notifications/{notification['id']}/read/",
            name="/api/v1/notifications/<id>/read/ (mark read)",
        )


class IncubatorManager(Person):
    weight = 2
    username = "demo-manager"

    def prepare(self):
        self.post_form("/deadlines/calendar/issue/", {}, name="/deadlines/calendar/issue/")

    @task(3)
    def home(self):
        self.page("/incubator/")

    @task(2)
    def dashboard(self):
        self.page("/dashboards/incubator/", group="dashboard")

    @task(2)
    def firms(self):
        self.page("/firms/")

    @task(1)
    def deadlines(self):
        self.page("/deadlines/")

    @task(2)
    def firms_api(self):
        incubator = self.me["incubator"]
        self.api(f"/api/v1/firms/?incubator={incubator}", name="/api/v1/firms/?incubator=<id>")

    @task(1)
    def audit_api(self):
        self.api("/api/v1/audit-events/")

    @task(1)
    def requests_api(self):
        self.api(
            "/api/v1/custody-requests/?status=open", name="/api/v1/custody-requests/?status=open"
        )

    @task(1)
    def new_calendar_address(self):
        self.post_form(
            "/deadlines/calendar/revoke/",
            {},
            name="/deadlines/calendar/revoke/ (new calendar address)",
        )


class ProgrammeOfficer(Person):
    weight = 1
    username = "demo-officer"

    @task(2)
    def home(self):
        self.page("/office/")

    @task(3)
    def programme_dashboard(self):
        self.page("/dashboards/programme/", group="dashboard")

    @task(1)
    def incubator_dashboard(self):
        self.page(
            "/dashboards/incubator/", name="/dashboards/incubator/ (officer)", group="dashboard"
        )

    @task(1)
    def incubators(self):
        self.page("/office/incubators/")

    @task(1)
    def engagements_api(self):
        self.api("/api/v1/engagements/")


class ChatVisitor(FastHttpUser):
    """An anonymous visitor with the chat widget open, asking a question every 2-5 s."""

    weight = 2
    wait_time = between(2, 5)

    def on_start(self):
        self.socket = None
        self._connect()
        _state["signed_in"] += 1
        if _state["signed_in"] == _people_expected(self.environment):
            _state["measured_from"], _state["cpu_from"] = time.time(), time.process_time()

    def on_stop(self):
        if self.socket is not None:
            self.socket.close()

    def _connect(self):
        url = self.host.replace("http://", "ws://").rstrip("/") + "/ws/chat/"
        started = time.perf_counter()
        error = None
        try:
            self.socket = websocket.create_connection(
                url, origin=self.host.rstrip("/"), timeout=CHAT_TIMEOUT
            )
            first = json.loads(self.socket.recv())
            if first.get("type") != "history":
                raise ValueError(f"first frame {first.get('type')!r}, expected history")
        except Exception as exc:  # noqa: BLE001 — reported to Locust as this request's failure
            error = exc
            self.socket = None
        self._fire("chat connect", started, error, group="chat connect")

    def _fire(self, name, started, error, *, group="chat", write=False):
        events.request.fire(
            request_type="WS",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={"group": group, "write": write},
        )

    @task
    def ask(self):
        if self.socket is None:
            self._connect()
            return
        started = time.perf_counter()
        error = None
        try:
            self.socket.send(json.dumps({"type": "message", "text": random.choice(QUESTIONS)}))
            while True:
                frame = json.loads(self.socket.recv())
                if frame.get("type") in ANSWER_TYPES:
                    break
                if frame.get("type") == "error":
                    raise ValueError(f"error frame {frame.get('code')}")
        except Exception as exc:  # noqa: BLE001 — reported to Locust as this request's failure
            error = exc
            self.socket.close()
            self.socket = None
        self._fire("/ws/chat/ question → answer", started, error, write=True)


class HealthProbe(FastHttpUser):
    """Not one of the 50: the trivial endpoint, asked on the same stack at the same time."""

    fixed_count = 1
    wait_time = between(0.4, 0.6)

    @task
    def healthz(self):
        with self.client.get(
            "/healthz", name="/healthz", context={"group": "healthz"}, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
