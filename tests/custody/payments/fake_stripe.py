"""A Stripe look-alike HTTP server on 127.0.0.1, for tests that drive the real `stripe` SDK.

Point a client at it with
``stripe.StripeClient(key, base_addresses={"api": fake.url, "connect": fake.url,
"files": fake.url})`` and it answers the handful of v1 endpoints the product uses, with
Stripe's object shapes, list shape, error shape and idempotency rules (a result is
stored under its key even when it is an error, except for missing or malformed params):

- Checkout (mode=payment with `price_data` line items), plus the hosted page at
  ``/checkout/{id}`` whose "Pay" button completes the session, creating the payment
  intent, its charge and a balance transaction;
- payment intents and charges (read only), refunds (partial and full);
- Connect: express accounts, onboarding links and their single-use hosted page, and
  transfers, which need an onboarded destination and available funds (payments, or
  `top_up`);
- balance transactions and events, listed newest first with Stripe's cursor paging;
- signed webhook events, delivered by hand (``deliver="manual"``) or by a background
  thread after each response (``deliver="auto"``), with Stripe's signature scheme.

Faults for the retry tests: `fail_next` answers 500 before or after doing the work (a lost
response), `delay_next` answers late so a client with a short timeout gives up. Injected
faults sit in front of the idempotency layer, like a failing proxy: they are never stored
under the key, so the SDK's retry sees the real result.

Left out: customers, prices and products as objects, payment methods and cards, disputes,
fees (every fee is 0 and funds are available at once), transfer reversals, payouts,
currency conversion, automatic expiry of sessions (call `expire_session`), the 24-hour
lifetime of idempotency keys (call `forget_idempotency_keys`), unknown-parameter
errors (unknown parameters are ignored) and rate limits.
"""

import copy
import hashlib
import hmac
import html
import http.client
import json
import re
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = ["Delivery", "FakeStripe", "FakeStripeError", "LoggedRequest", "sign"]

# Events carry the version of the first API request, as a new Stripe account pins its
# default version; this one (stripe-python 16's) is used until a request has been seen.
FALLBACK_API_VERSION = "2026-10-28.endive"
ZERO_DECIMAL_CURRENCIES = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"})
ZERO_DECIMAL_CURRENCIES |= {"pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
COLLECTIONS = {
    "checkout/sessions": "checkout.session",
    "payment_intents": "payment_intent",
    "charges": "charge",
    "refunds": "refund",
    "accounts": "account",
    "transfers": "transfer",
    "balance_transactions": "balance_transaction",
    "events": "event",
}
# Equality filters each list endpoint accepts besides created, limit and the cursors.
LIST_FILTERS = {
    "checkout.session": ("payment_intent", "status"),
    "charge": ("payment_intent", "transfer_group"),
    "refund": ("charge", "payment_intent"),
    "transfer": ("destination", "transfer_group"),
    "balance_transaction": ("type", "source", "currency"),
    "event": ("type",),
}
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
SESSION_LIFETIME = (30 * 60, 24 * 60 * 60)  # Stripe's bounds on expires_at, in seconds
ACCOUNT_LINK_LIFETIME = 300
DEFAULT_WEBHOOK_SECRET = "whsec_test"
_ALPHANUMERIC = string.ascii_letters + string.digits


def sign(payload, secret, timestamp=None):
    """The ``Stripe-Signature`` header Stripe sends with `payload` (bytes or str).

    ``t={timestamp},v1={hex HMAC-SHA256 of "{timestamp}.{payload}" keyed by secret}``;
    `timestamp` defaults to now, pass an old one to forge a stale delivery.
    """
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8")
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class FakeStripeError(Exception):
    """A Stripe API error: answered as ``{"error": {...}}``, raised by the Python helpers."""

    def __init__(self, status, message, *, type="invalid_request_error", code=None, param=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param

    @property
    def stored_under_idempotency_key(self):
        # Stripe saves a result once the endpoint started executing; parameter validation
        # failures happen before that, and so can be retried with the same key.
        return not (self.code or "").startswith("parameter_")

    def body(self):
        error = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        return {"error": error}


@dataclass(frozen=True)
class LoggedRequest:
    """One request the fake answered: `status` is what it sent (500 for an injected fault)."""

    method: str
    path: str
    idempotency_key: str | None
    status: int
    params: dict
    replayed: bool = False
    stripe_version: str | None = None


@dataclass(frozen=True)
class Delivery:
    """One attempt to POST an event to the webhook URL; status 0 when it could not connect."""

    event_id: str
    status: int
    body: str


@dataclass
class _Fault:
    kind: str  # "fail" or "delay"
    method: str
    path_prefix: str
    times: int
    after_effect: bool
    status: int = 500
    seconds: float = 0.0
    should_retry: bool | None = None


@dataclass
class _Request:
    method: str
    path: str
    pairs: list
    params: dict
    headers: object
    request_id: str
    idempotency_key: str | None = None


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: list = field(default_factory=list)
    events: list = field(default_factory=list)
    stored_under_idempotency_key: bool = True
    replayed: bool = False
    delay: float = 0.0  # seconds to wait before sending, to make the client time out


@dataclass
class _Call:
    """Who caused a state change: copied into each event's `request`."""

    request_id: str | None = None
    idempotency_key: str | None = None
    events: list = field(default_factory=list)


@dataclass
class _StoredResult:
    fingerprint: tuple
    status: int
    body: bytes
    request_id: str


class FakeStripe:
    """An in-memory Stripe account served over HTTP; see the module docstring."""

    delivery_retry_delays = (0.1, 0.5, 1.0)  # after a failed automatic delivery

    def __init__(
        self, webhook_secret=DEFAULT_WEBHOOK_SECRET, deliver="manual", *, webhook_url=None
    ):
        if deliver not in ("manual", "auto"):
            raise ValueError("deliver is 'manual' or 'auto'")
        self.webhook_secret = webhook_secret
        self.deliver_mode = deliver
        self.webhook_url = webhook_url
        self.requests = []
        self.deliveries = []
        self._lock = threading.RLock()
        self._objects = {}  # id -> object, in creation order
        self._intent_data = {}  # checkout session id -> its payment_intent_data, not shown
        self._account_links = {}  # token -> the link's account, URLs, expiry and use
        self._pending = []  # ids of events not yet delivered with a 2xx answer
        self._idempotent = {}
        self._in_flight = set()
        self._faults = []
        self._api_version = None
        self._server = None
        self._url = None
        self._outbox = []
        self._outbox_ready = threading.Condition()
        self._outstanding = 0
        self._stopping = False
        self._routes = self._api_routes()
        self._pages = self._page_routes()

    # --- Lifecycle -----------------------------------------------------------------------

    def start(self):
        handler = type("BoundHandler", (_Handler,), {"fake": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-stripe",
            daemon=True,
        ).start()
        if self.deliver_mode == "auto":
            threading.Thread(
                target=self._deliver_forever, name="fake-stripe-webhooks", daemon=True
            ).start()
        return self

    def stop(self):
        if self._server is None:
            return
        with self._outbox_ready:
            self._stopping = True
            self._outbox_ready.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        if self._url is None:
            raise RuntimeError("FakeStripe is not started")
        return self._url

    # --- Inspection ----------------------------------------------------------------------

    def objects(self, kind):
        """Copies of every object of one kind ("transfer", "checkout.session"…), oldest first."""
        with self._lock:
            return [copy.deepcopy(obj) for obj in self._objects.values() if obj["object"] == kind]

    def get(self, object_id):
        """A copy of one object, by id; KeyError when there is none."""
        with self._lock:
            return copy.deepcopy(self._objects[object_id])

    @property
    def events(self):
        return self.objects("event")

    def pending_events(self):
        """Events not yet delivered with a 2xx answer, oldest first."""
        with self._lock:
            return [copy.deepcopy(self._objects[event_id]) for event_id in self._pending]

    def balance(self, currency="cny"):
        """The available balance in `currency`: the sum of its balance transactions' nets."""
        with self._lock:
            return self._balance(currency)

    # --- What a customer or an account holder does in the browser --------------------------

    def pay(self, session_id):
        """Pay an open checkout session, as the hosted page's "Pay" button does."""
        return self._run_helper(self._pay, session_id)

    def complete_onboarding(self, account_id):
        """Finish an account's onboarding, as the hosted onboarding page does."""
        return self._run_helper(self._complete_onboarding, account_id)

    def expire_session(self, session_id):
        """Expire an open checkout session, as Stripe does when its `expires_at` passes."""
        return self._run_helper(self._expire_session, session_id)

    def top_up(self, amount, currency="cny"):
        """Add funds to the available balance (a "topup" balance transaction), e.g. before
        transfers in a test that took no payment."""
        with self._lock:
            return copy.deepcopy(
                self._balance_transaction("topup", amount, currency, _new_id("tu"))
            )

    def forget_idempotency_keys(self):
        """Drop every stored idempotent result, as Stripe does once a key is 24 hours old."""
        with self._lock:
            self._idempotent.clear()

    # --- Faults --------------------------------------------------------------------------

    def fail_next(
        self, method, path_prefix, status=500, times=1, after_effect=False, should_retry=None
    ):
        """Answer the next `times` matching requests with a Stripe-shaped api_error.

        With after_effect the request is handled first (and its result stored under its
        idempotency key), so only the response is lost. `should_retry` sends the
        ``Stripe-Should-Retry`` header, which the SDK obeys over its own status rules.
        """
        with self._lock:
            self._faults.append(
                _Fault(
                    "fail",
                    method.upper(),
                    path_prefix,
                    times,
                    after_effect,
                    status=status,
                    should_retry=should_retry,
                )
            )

    def delay_next(self, method, path_prefix, seconds, times=1, after_effect=True):
        """Wait `seconds` before answering the next `times` matching requests.

        With after_effect (the default) the work is done and stored first, as when
        Stripe is slow to answer; without it the wait comes before the work.
        """
        with self._lock:
            self._faults.append(
                _Fault("delay", method.upper(), path_prefix, times, after_effect, seconds=seconds)
            )

    # --- Webhooks ------------------------------------------------------------------------

    def signed_event(self, event, timestamp=None):
        """(payload bytes, Stripe-Signature header) for an event or event id, as delivered."""
        payload = self._payload(event)
        return payload, sign(payload, self.webhook_secret, timestamp)

    def deliver(self, event, signature=None, timestamp=None):
        """POST one event (or event id) to `webhook_url`; returns (status, body text).

        `signature` replaces the Stripe-Signature header as given, to forge one;
        `timestamp` signs with another time, to deliver a stale event.
        """
        if not self.webhook_url:
            raise RuntimeError("set webhook_url before delivering events")
        payload = self._payload(event)
        header = (
            signature if signature is not None else sign(payload, self.webhook_secret, timestamp)
        )
        event_id = json.loads(payload)["id"]
        status, body = _post(
            self.webhook_url,
            payload,
            {
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": header,
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
        )
        text = body.decode("utf-8", errors="replace")
        with self._lock:
            self.deliveries.append(Delivery(event_id, status, text))
            if 200 <= status < 300 and event_id in self._pending:
                self._pending.remove(event_id)
        return status, text

    def deliver_all(self):
        """Deliver every pending event in order; returns their (status, body) answers."""
        return [self.deliver(event["id"]) for event in self.pending_events()]

    def wait_for_deliveries(self, timeout=5.0):
        """With deliver="auto": wait until every queued event was attempted; False on timeout."""
        with self._outbox_ready:
            return self._outbox_ready.wait_for(lambda: self._outstanding == 0, timeout)

    def _payload(self, event):
        event_id = event if isinstance(event, str) else event["id"]
        with self._lock:
            # Stripe sends pretty-printed JSON; the signature covers these exact bytes.
            return json.dumps(self._objects[event_id], indent=2).encode("utf-8")

    def _release(self, events):
        """Hand events to the delivery thread: called once the response has been sent."""
        if self.deliver_mode != "auto" or not events:
            return
        with self._outbox_ready:
            self._outbox.extend(event["id"] for event in events)
            self._outstanding += len(events)
            self._outbox_ready.notify_all()

    def _deliver_forever(self):
        while True:
            with self._outbox_ready:
                self._outbox_ready.wait_for(lambda: self._outbox or self._stopping)
                if self._stopping:
                    return
                event_id = self._outbox.pop(0)
            try:
                self._deliver_with_retries(event_id)
            finally:
                with self._outbox_ready:
                    self._outstanding -= 1
                    self._outbox_ready.notify_all()

    def _deliver_with_retries(self, event_id):
        for delay in (0, *self.delivery_retry_delays):
            time.sleep(delay)
            if not self.webhook_url:
                return
            try:
                status, _ = self.deliver(event_id)
            except OSError as error:
                with self._lock:
                    self.deliveries.append(Delivery(event_id, 0, str(error)))
                continue
            if 200 <= status < 300:
                return

    # --- HTTP ----------------------------------------------------------------------------

    def _handle(self, method, target, headers, body):
        """Answer one HTTP request; faults wrap the work, the log records the answer."""
        split = urlsplit(target)
        if method == "POST":
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        else:
            pairs = parse_qsl(split.query, keep_blank_values=True)
        request = _Request(
            method=method,
            path=split.path,
            pairs=pairs,
            params={},
            headers=headers,
            request_id=_new_id("req", 14),
            idempotency_key=headers.get("Idempotency-Key") if method == "POST" else None,
        )
        try:
            request.params = parse_params(pairs)
        except FakeStripeError as error:
            reply = _error_reply(error, request, stored=False)
        else:
            reply = self._answer_with_faults(request, self._take_fault(method, split.path))
        with self._lock:
            self.requests.append(
                LoggedRequest(
                    method=method,
                    path=split.path,
                    idempotency_key=request.idempotency_key,
                    status=reply.status,
                    params=request.params,
                    replayed=reply.replayed,
                    stripe_version=headers.get("Stripe-Version"),
                )
            )
        return reply

    def _answer_with_faults(self, request, fault):
        if fault is None:
            return self._answer(request)
        if fault.kind == "fail" and not fault.after_effect:
            return self._fault_reply(fault, request)
        if fault.kind == "delay" and not fault.after_effect:
            time.sleep(fault.seconds)
            return self._answer(request)
        reply = self._answer(request)
        if fault.kind == "fail":
            return self._fault_reply(fault, request, events=reply.events)
        reply.delay = fault.seconds
        return reply

    def _answer(self, request):
        if not request.path.startswith("/v1/"):
            return self._answer_page(request)
        key = request.headers.get("Authorization", "")
        if not re.fullmatch(r"Bearer (sk|rk)_test_\w+", key):
            message = (
                f"Invalid API Key provided: {key.removeprefix('Bearer ')[:12]}****"
                if key
                else "You did not provide an API key."
            )
            return _error_reply(FakeStripeError(401, message, type="authentication_error"), request)
        with self._lock:
            self._api_version = self._api_version or request.headers.get("Stripe-Version")
        if request.idempotency_key:
            return self._answer_idempotently(request)
        return self._execute(request)

    def _answer_idempotently(self, request):
        key = request.idempotency_key
        fingerprint = (request.method, request.path, tuple(sorted(request.pairs)))
        with self._lock:
            stored = self._idempotent.get(key)
            if stored is None and key in self._in_flight:
                error = FakeStripeError(
                    409,
                    "There is currently another in-progress request using this Idempotent Key "
                    f"(that probably means you submitted twice, and the other request is still "
                    f"going through): {key}. Please try again later.",
                    type="idempotency_error",
                )
                reply = _error_reply(error, request)
                reply.headers.append(("Stripe-Should-Retry", "true"))
                return reply
            if stored is None:
                self._in_flight.add(key)
        if stored is not None:
            if stored.fingerprint != fingerprint:
                error = FakeStripeError(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Try using a key other than '{key}' if you "
                    "meant to execute a different request.",
                    type="idempotency_error",
                )
                return _error_reply(error, request)
            headers = [
                ("Request-Id", request.request_id),
                ("Idempotent-Replayed", "true"),
                ("Original-Request", stored.request_id),
            ]
            return _Reply(stored.status, stored.body, _json_headers(headers), replayed=True)
        try:
            reply = self._execute(request)
            if reply.stored_under_idempotency_key:
                with self._lock:
                    self._idempotent[key] = _StoredResult(
                        fingerprint, reply.status, reply.body, request.request_id
                    )
            return reply
        finally:
            with self._lock:
                self._in_flight.discard(key)

    def _execute(self, request):
        route = _route(self._routes, request)
        if route is None:
            return _error_reply(_unrecognized(request), request, stored=False)
        handler, groups = route
        call = _Call(request.request_id, request.idempotency_key)
        params = dict(request.params)
        expand = _as_list(params.pop("expand", []))
        try:
            with self._lock:
                result = handler(call, params, **groups)
                result = self._expand(result, expand)
        except FakeStripeError as error:
            return _error_reply(error, request)
        body = json.dumps(result, indent=2).encode("utf-8")
        return _Reply(200, body, _json_headers([("Request-Id", request.request_id)]), call.events)

    def _answer_page(self, request):
        """The hosted checkout and onboarding pages a browser (or a test) visits."""
        route = _route(self._pages, request)
        if route is None:
            return _error_reply(_unrecognized(request), request)
        page, groups = route
        call = _Call(request_id=None)
        with self._lock:
            reply = page(call, request.params, **groups)
        reply.events = call.events
        return reply

    def _take_fault(self, method, path):
        with self._lock:
            for fault in self._faults:
                if fault.method == method and path.startswith(fault.path_prefix):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _fault_reply(self, fault, request, events=()):
        error = FakeStripeError(
            fault.status,
            "An unknown error occurred (injected by FakeStripe).",
            type="api_error",
        )
        reply = _error_reply(error, request)
        if fault.should_retry is not None:
            reply.headers.append(("Stripe-Should-Retry", str(fault.should_retry).lower()))
        reply.events = list(events)
        return reply

    def _run_helper(self, operation, object_id):
        call = _Call()
        with self._lock:
            result = operation(call, object_id)
        self._release(call.events)
        return copy.deepcopy(result)

    # --- The API -------------------------------------------------------------------------

    def _api_routes(self):
        collections = "|".join(re.escape(name) for name in COLLECTIONS)
        routes = [
            ("POST", r"/v1/checkout/sessions", self._create_checkout_session),
            ("POST", r"/v1/checkout/sessions/(?P<session_id>[^/]+)/expire", self._expire_route),
            ("POST", r"/v1/refunds", self._create_refund),
            ("POST", r"/v1/accounts", self._create_account),
            ("POST", r"/v1/account_links", self._create_account_link),
            ("POST", r"/v1/transfers", self._create_transfer),
            ("GET", rf"/v1/(?P<collection>{collections})", self._list),
            ("GET", rf"/v1/(?P<collection>{collections})/(?P<object_id>[^/]+)", self._retrieve),
        ]
        return [(method, re.compile(pattern), handler) for method, pattern, handler in routes]

    def _page_routes(self):
        """The hosted checkout and onboarding pages a browser (or a test) visits."""
        pages = [
            ("GET", r"/checkout/(?P<session_id>[^/]+)", self._checkout_page),
            ("POST", r"/checkout/(?P<session_id>[^/]+)/pay", self._checkout_pay),
            ("GET", r"/connect/onboard/(?P<account_id>[^/]+)", self._onboarding_page),
            ("POST", r"/connect/onboard/(?P<account_id>[^/]+)", self._onboarding_submit),
        ]
        return [(method, re.compile(pattern), page) for method, pattern, page in pages]

    def _retrieve(self, call, params, *, collection, object_id):
        return self._find(COLLECTIONS[collection], object_id, param="id")

    def _list(self, call, params, *, collection):
        """Stripe's list: newest first, `limit` (1–100, default 10), cursors, `created`."""
        kind = COLLECTIONS[collection]
        limit = _integer(params.get("limit", "10"), "limit")
        if not 1 <= limit <= 100:
            raise FakeStripeError(400, "Invalid limit: must be between 1 and 100", param="limit")
        rows = [obj for obj in reversed(self._objects.values()) if obj["object"] == kind]
        for name in LIST_FILTERS.get(kind, ()):
            if name in params:
                rows = [obj for obj in rows if obj.get(name) == params[name]]
        if "created" in params:
            rows = [obj for obj in rows if _created_matches(obj["created"], params["created"])]
        page = rows[:limit]
        if params.get("starting_after"):
            rows = rows[
                self._position(kind, rows, params["starting_after"], "starting_after") + 1 :
            ]
            page = rows[:limit]
        elif params.get("ending_before"):
            rows = rows[: self._position(kind, rows, params["ending_before"], "ending_before")]
            page = rows[-limit:]  # the page just before the cursor
        return {
            "object": "list",
            "data": page,
            "has_more": len(rows) > limit,
            "url": f"/v1/{collection}",
        }

    def _position(self, kind, rows, cursor, param):
        cursor = self._find(kind, cursor, param=param)["id"]
        ids = [obj["id"] for obj in rows]
        return ids.index(cursor) if cursor in ids else len(ids)

    def _create_checkout_session(self, call, params):
        if _required(params, "mode", "mode") != "payment":
            raise FakeStripeError(400, "FakeStripe supports only mode=payment.", param="mode")
        success_url = _required(params, "success_url", "success_url")
        items = _as_list(_required(params, "line_items", "line_items"))
        currency, amount_total = None, 0
        for index, item in enumerate(items):
            where = f"line_items[{index}]"
            price_data = _required(item, "price_data", f"{where}[price_data]")
            item_currency = _required(
                price_data, "currency", f"{where}[price_data][currency]"
            ).lower()
            name = f"{where}[price_data][unit_amount]"
            unit_amount = _integer(_required(price_data, "unit_amount", name), name)
            product = _required(price_data, "product_data", f"{where}[price_data][product_data]")
            _required(product, "name", f"{where}[price_data][product_data][name]")
            quantity = _integer(
                _required(item, "quantity", f"{where}[quantity]"), f"{where}[quantity]"
            )
            if currency not in (None, item_currency):
                raise FakeStripeError(
                    400,
                    "All line items must use the same currency.",
                    param=f"{where}[price_data][currency]",
                )
            currency = item_currency
            amount_total += unit_amount * quantity
        created = _now()
        expires_at = created + SESSION_LIFETIME[1]
        if "expires_at" in params:
            expires_at = _integer(params["expires_at"], "expires_at")
            if not SESSION_LIFETIME[0] <= expires_at - created <= SESSION_LIFETIME[1]:
                raise FakeStripeError(
                    400,
                    "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
                    code="parameter_invalid_integer",
                    param="expires_at",
                )
        session_id = _new_id("cs_test", 58)
        self._intent_data[session_id] = params.get("payment_intent_data", {})
        return self._store(
            {
                "id": session_id,
                "object": "checkout.session",
                "amount_subtotal": amount_total,
                "amount_total": amount_total,
                "cancel_url": params.get("cancel_url"),
                "client_reference_id": params.get("client_reference_id"),
                "created": created,
                "currency": currency,
                "customer": None,
                "customer_email": params.get("customer_email"),
                "expires_at": expires_at,
                "livemode": False,
                "metadata": params.get("metadata", {}),
                "mode": "payment",
                "payment_intent": None,
                "payment_status": "unpaid",
                "status": "open",
                "success_url": success_url,
                "url": f"{self.url}/checkout/{session_id}",
            }
        )

    def _expire_route(self, call, params, *, session_id):
        return self._expire_session(call, session_id)

    def _expire_session(self, call, session_id):
        session = self._find("checkout.session", session_id, param="id")
        if session["status"] != "open":
            raise FakeStripeError(
                400,
                f'Only Checkout Sessions with a status in ["open"] can be expired. '
                f"This Checkout Session has a status of {session['status']}.",
                code="checkout_session_not_open",
            )
        session.update(status="expired", url=None)
        self._emit(call, "checkout.session.expired", session)
        return session

    def _pay(self, call, session_id):
        session = self._find("checkout.session", session_id, param="id")
        if session["status"] != "open":
            raise FakeStripeError(
                400, f"Checkout Session {session_id} is {session['status']}, not open."
            )
        amount, currency, created = session["amount_total"], session["currency"], _now()
        intent_data = self._intent_data[session_id]
        intent_id, charge_id = _new_id("pi"), _new_id("ch")
        transaction = self._balance_transaction("charge", amount, currency, charge_id)
        charge = self._store(
            {
                "id": charge_id,
                "object": "charge",
                "amount": amount,
                "amount_captured": amount,
                "amount_refunded": 0,
                "balance_transaction": transaction["id"],
                "captured": True,
                "created": created,
                "currency": currency,
                "description": intent_data.get("description"),
                "livemode": False,
                "metadata": dict(intent_data.get("metadata", {})),
                "paid": True,
                "payment_intent": intent_id,
                "refunded": False,
                "status": "succeeded",
                "transfer_group": intent_data.get("transfer_group"),
            }
        )
        intent = self._store(
            {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_capturable": 0,
                "amount_received": amount,
                "created": created,
                "currency": currency,
                "description": intent_data.get("description"),
                "latest_charge": charge_id,
                "livemode": False,
                "metadata": dict(intent_data.get("metadata", {})),
                "payment_method_types": ["card"],
                "status": "succeeded",
                "transfer_group": intent_data.get("transfer_group"),
            }
        )
        session.update(status="complete", payment_status="paid", payment_intent=intent_id, url=None)
        # The order Stripe usually sends them in; receivers must not depend on it.
        self._emit(call, "charge.succeeded", charge)
        self._emit(call, "payment_intent.succeeded", intent)
        self._emit(call, "checkout.session.completed", session)
        return session

    def _create_refund(self, call, params):
        if params.get("charge"):
            charge = self._find("charge", params["charge"], param="charge")
        elif params.get("payment_intent"):
            intent = self._find("payment_intent", params["payment_intent"], param="payment_intent")
            charge = self._objects[intent["latest_charge"]]
        else:
            raise FakeStripeError(
                400,
                "One of the following params should be provided for this request: payment_intent or charge.",
                code="parameter_missing",
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining == 0:
            raise FakeStripeError(
                400,
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = _integer(params.get("amount", remaining), "amount")
        if amount <= 0:
            raise FakeStripeError(
                400, "Invalid positive integer", code="parameter_invalid_integer", param="amount"
            )
        if amount > remaining:
            raise FakeStripeError(
                400,
                f"Refund amount ({_money(amount, charge['currency'])}) is greater than unrefunded "
                f"amount on charge ({_money(remaining, charge['currency'])})",
                code="amount_too_large",
                param="amount",
            )
        reason = params.get("reason")
        if reason not in (None, *REFUND_REASONS):
            raise FakeStripeError(
                400,
                f"Invalid reason: must be one of {', '.join(REFUND_REASONS)}",
                code="parameter_invalid_string",
                param="reason",
            )
        refund_id = _new_id("re")
        transaction = self._balance_transaction("refund", -amount, charge["currency"], refund_id)
        refund = self._store(
            {
                "id": refund_id,
                "object": "refund",
                "amount": amount,
                "balance_transaction": transaction["id"],
                "charge": charge["id"],
                "created": transaction["created"],
                "currency": charge["currency"],
                "metadata": params.get("metadata", {}),
                "payment_intent": charge["payment_intent"],
                "reason": reason,
                "status": "succeeded",
            }
        )
        previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        self._emit(call, "refund.created", refund)
        self._emit(call, "charge.refunded", charge, previous_attributes=previous)
        return refund

    def _create_account(self, call, params):
        requested = params.get("capabilities", {})
        return self._store(
            {
                "id": _new_id("acct", 16),
                "object": "account",
                "business_profile": params.get("business_profile", {}),
                "business_type": params.get("business_type"),
                "capabilities": dict.fromkeys(requested, "inactive"),
                "charges_enabled": False,
                "country": params.get("country", "US"),
                "created": _now(),
                "default_currency": params.get("default_currency"),
                "details_submitted": False,
                "email": params.get("email"),
                "livemode": False,
                "metadata": params.get("metadata", {}),
                "payouts_enabled": False,
                "requirements": {
                    "currently_due": ["external_account", "tos_acceptance.date"],
                    "disabled_reason": "requirements.past_due",
                },
                "type": params.get("type"),
            }
        )

    def _create_account_link(self, call, params):
        account = self._find("account", _required(params, "account", "account"), param="account")
        link_type = _required(params, "type", "type")
        if link_type not in ("account_onboarding", "account_update"):
            raise FakeStripeError(
                400, f"Invalid type: {link_type}", code="parameter_invalid_string", param="type"
            )
        token = secrets.token_urlsafe(16)
        created = _now()
        self._account_links[token] = {
            "account": account["id"],
            "refresh_url": _required(params, "refresh_url", "refresh_url"),
            "return_url": _required(params, "return_url", "return_url"),
            "expires_at": created + ACCOUNT_LINK_LIFETIME,
            "visited": False,
        }
        query = urlencode({"token": token})
        return {
            "object": "account_link",
            "created": created,
            "expires_at": created + ACCOUNT_LINK_LIFETIME,
            "url": f"{self.url}/connect/onboard/{account['id']}?{query}",
        }

    def _complete_onboarding(self, call, account_id):
        account = self._find("account", account_id, param="account")
        flags = ("charges_enabled", "payouts_enabled", "details_submitted")
        if all(account[flag] for flag in flags):
            return account
        previous = {flag: account[flag] for flag in flags}
        previous["requirements"] = account["requirements"]
        account.update(dict.fromkeys(flags, True))
        account["capabilities"] = dict.fromkeys(account["capabilities"], "active")
        account["requirements"] = {"currently_due": [], "disabled_reason": None}
        self._emit(call, "account.updated", account, previous_attributes=previous)
        return account

    def _create_transfer(self, call, params):
        amount = _integer(_required(params, "amount", "amount"), "amount")
        if amount <= 0:
            raise FakeStripeError(
                400, "Invalid positive integer", code="parameter_invalid_integer", param="amount"
            )
        currency = _required(params, "currency", "currency").lower()
        destination_id = _required(params, "destination", "destination")
        destination = self._objects.get(destination_id)
        if destination is None or destination["object"] != "account":
            raise FakeStripeError(
                400,
                f"No such destination: '{destination_id}'",
                code="resource_missing",
                param="destination",
            )
        if not destination["payouts_enabled"]:
            raise FakeStripeError(
                400,
                "Your destination account needs to have at least one of the following capabilities "
                f"enabled: transfers, crypto_transfers, legacy_payments. (Account {destination_id} "
                "has not completed onboarding: payouts_enabled is false.)",
                code="insufficient_capabilities_for_transfer",
                param="destination",
            )
        source_transaction = params.get("source_transaction")
        if source_transaction:
            self._find("charge", source_transaction, param="source_transaction")
        elif self._balance(currency) < amount:
            raise FakeStripeError(
                400,
                "You have insufficient available funds in your Stripe account. "
                f"(Available: {_money(self._balance(currency), currency)}.)",
                code="balance_insufficient",
            )
        transfer_id = _new_id("tr")
        transaction = self._balance_transaction("transfer", -amount, currency, transfer_id)
        transfer = self._store(
            {
                "id": transfer_id,
                "object": "transfer",
                "amount": amount,
                "amount_reversed": 0,
                "balance_transaction": transaction["id"],
                "created": transaction["created"],
                "currency": currency,
                "description": params.get("description"),
                "destination": destination_id,
                "destination_payment": _new_id("py"),
                "livemode": False,
                "metadata": params.get("metadata", {}),
                "reversed": False,
                "source_transaction": source_transaction,
                "transfer_group": params.get("transfer_group"),
            }
        )
        self._emit(call, "transfer.created", transfer)
        return transfer

    # --- The hosted pages ----------------------------------------------------------------

    def _checkout_page(self, call, params, *, session_id):
        session = self._objects.get(session_id)
        if session is None or session["object"] != "checkout.session":
            return _html_reply(404, "Checkout", "<p>No such checkout session.</p>")
        if session["status"] != "open":
            return _html_reply(
                200, "Checkout", f"<p>This checkout session is {session['status']}.</p>"
            )
        cancel = ""
        if session["cancel_url"]:
            cancel = f'<p><a href="{html.escape(session["cancel_url"])}">Cancel</a></p>'
        body = (
            f"<p>Amount due: <strong>{_money(session['amount_total'], session['currency'])}</strong></p>"
            f'<form method="post" action="/checkout/{html.escape(session_id)}/pay">'
            '<button type="submit">Pay</button></form>'
            f"{cancel}"
        )
        return _html_reply(200, "Checkout", body)

    def _checkout_pay(self, call, params, *, session_id):
        session = self._objects.get(session_id)
        if session is None or session["object"] != "checkout.session":
            return _html_reply(404, "Checkout", "<p>No such checkout session.</p>")
        if session["status"] == "expired":
            return _html_reply(409, "Checkout", "<p>This checkout session has expired.</p>")
        if session["status"] == "open":  # a second submit of the form pays nothing more
            self._pay(call, session_id)
        return _redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id))

    def _onboarding_page(self, call, params, *, account_id):
        """Account links are single-use: a second visit, or a late one, goes to refresh_url."""
        link = self._account_links.get(params.get("token", ""))
        if link is None or link["account"] != account_id:
            return _html_reply(404, "Onboarding", "<p>No such account link.</p>")
        if link["visited"] or _now() > link["expires_at"]:
            return _redirect(link["refresh_url"])
        link["visited"] = True
        body = (
            f"<p>Account {html.escape(account_id)}</p>"
            f'<form method="post" action="/connect/onboard/{html.escape(account_id)}">'
            f'<input type="hidden" name="token" value="{html.escape(params["token"])}">'
            '<button type="submit">Complete onboarding</button></form>'
        )
        return _html_reply(200, "Onboarding", body)

    def _onboarding_submit(self, call, params, *, account_id):
        link = self._account_links.get(params.get("token", ""))
        if link is None or link["account"] != account_id:
            return _html_reply(404, "Onboarding", "<p>No such account link.</p>")
        self._complete_onboarding(call, account_id)
        return _redirect(link["return_url"])

    # --- State ---------------------------------------------------------------------------

    def _store(self, obj):
        self._objects[obj["id"]] = obj
        return obj

    def _find(self, kind, object_id, *, param):
        """The object, or Stripe's resource_missing: 404 for the URL's id, 400 for a param's."""
        obj = self._objects.get(object_id)
        if obj is None or obj["object"] != kind:
            raise FakeStripeError(
                404 if param == "id" else 400,
                f"No such {kind.replace('_', ' ')}: '{object_id}'",
                code="resource_missing",
                param=param,
            )
        return obj

    def _balance(self, currency):
        return sum(
            obj["net"]
            for obj in self._objects.values()
            if obj["object"] == "balance_transaction" and obj["currency"] == currency
        )

    def _balance_transaction(self, type_, amount, currency, source):
        created = _now()
        return self._store(
            {
                "id": _new_id("txn"),
                "object": "balance_transaction",
                "amount": amount,
                "available_on": created,
                "created": created,
                "currency": currency,
                "description": None,
                "fee": 0,
                "fee_details": [],
                "net": amount,
                "reporting_category": type_,
                "source": source,
                "status": "available",
                "type": type_,
            }
        )

    def _emit(self, call, type_, obj, previous_attributes=None):
        data = {"object": copy.deepcopy(obj)}
        if previous_attributes is not None:
            data["previous_attributes"] = copy.deepcopy(previous_attributes)
        event = self._store(
            {
                "id": _new_id("evt"),
                "object": "event",
                "api_version": self._api_version or FALLBACK_API_VERSION,
                "created": _now(),
                "data": data,
                "livemode": False,
                "pending_webhooks": 1,
                "request": {"id": call.request_id, "idempotency_key": call.idempotency_key},
                "type": type_,
            }
        )
        self._pending.append(event["id"])
        call.events.append(event)

    def _expand(self, obj, paths):
        """A deep copy of obj with the ids on each `expand` path ("data.source",
        "latest_charge.balance_transaction") replaced by copies of their objects."""
        obj = copy.deepcopy(obj)
        for path in paths:
            targets = [obj]
            for name in path.split("."):
                found = []
                for target in targets:
                    value = target.get(name)
                    if isinstance(value, str) and value in self._objects:
                        value = target[name] = copy.deepcopy(self._objects[value])
                    found.extend(value if isinstance(value, list) else [value])
                targets = [item for item in found if isinstance(item, dict)]
        return obj


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # race tests open many connections at once


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStripe
    server_version = "FakeStripe/1.0"

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_DELETE(self):
        self._serve("DELETE")

    def _serve(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.fake._handle(method, self.path, self.headers, body)
        time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            self.wfile.flush()
        except OSError:
            pass  # the client gave up waiting (a timeout test); what was done stays done
        self.fake._release(reply.events)

    def log_message(self, format, *args):
        pass


def _post(url, body, headers):
    """POST without proxies and without following redirects, as Stripe delivers webhooks
    (it counts a 3xx as a failed delivery)."""
    parts = urlsplit(url)
    connection_class = {"http": http.client.HTTPConnection, "https": http.client.HTTPSConnection}
    connection = connection_class[parts.scheme](parts.netloc, timeout=30)
    try:
        connection.request(
            "POST", parts.path + (f"?{parts.query}" if parts.query else ""), body, headers
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def parse_params(pairs):
    """Stripe's bracket notation back into nested data.

    ``[("a[b][0][c]", "1"), ("metadata[7]", "x")]`` becomes
    ``{"a": {"b": [{"c": "1"}]}, "metadata": {"7": "x"}}``: digit keys make lists, except
    under metadata. Values stay strings, as on the wire.
    """
    root = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head, *(rest[:-1].split("][") if rest else [])]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part or str(len(node)), {})
            if not isinstance(node, dict):
                raise FakeStripeError(
                    400, f"Invalid hash: {key}", code="parameter_invalid_string", param=key
                )
        node[parts[-1] or str(len(node))] = value
    return _lists_from_digit_keys(root)


def _lists_from_digit_keys(value, under_metadata=False):
    if not isinstance(value, dict):
        return value
    converted = {
        key: _lists_from_digit_keys(item, under_metadata=key == "metadata")
        for key, item in value.items()
    }
    if converted and not under_metadata and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def _route(routes, request):
    """The (handler, path parameters) answering request, or None."""
    for method, pattern, handler in routes:
        match = pattern.fullmatch(request.path)
        if method == request.method and match:
            return handler, match.groupdict()
    return None


def _required(params, name, param):
    value = params.get(name) if isinstance(params, dict) else None
    if value in (None, ""):
        raise FakeStripeError(
            400, f"Missing required param: {param}.", code="parameter_missing", param=param
        )
    return value


def _integer(value, param):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise FakeStripeError(
            400, "Invalid integer: " + str(value), code="parameter_invalid_integer", param=param
        ) from None


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _created_matches(created, condition):
    if not isinstance(condition, dict):
        return created == _integer(condition, "created")
    checks = {
        "gt": lambda bound: created > bound,
        "gte": lambda bound: created >= bound,
        "lt": lambda bound: created < bound,
        "lte": lambda bound: created <= bound,
    }
    return all(
        checks[op](_integer(bound, f"created[{op}]"))
        for op, bound in condition.items()
        if op in checks
    )


def _money(amount, currency):
    """1234, "cny" -> "12.34 CNY": amounts travel in the currency's smallest unit."""
    if currency in ZERO_DECIMAL_CURRENCIES:
        return f"{amount} {currency.upper()}"
    units, cents = divmod(abs(amount), 100)
    return f"{'-' if amount < 0 else ''}{units}.{cents:02d} {currency.upper()}"


def _new_id(prefix, length=24):
    return f"{prefix}_" + "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


def _now():
    return int(time.time())


def _unrecognized(request):
    return FakeStripeError(
        404,
        f"Unrecognized request URL ({request.method}: {request.path}). Please see "
        "https://stripe.com/docs or we can help at https://support.stripe.com/.",
    )


def _json_headers(headers):
    return [("Content-Type", "application/json"), *headers]


def _error_reply(error, request, stored=None):
    body = json.dumps(error.body(), indent=2).encode("utf-8")
    if stored is None:
        stored = error.stored_under_idempotency_key
    headers = _json_headers([("Request-Id", request.request_id)])
    return _Reply(error.status, body, headers, stored_under_idempotency_key=stored)


def _html_reply(status, title, body):
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} · FakeStripe</title>'
        f"</head><body><h1>{title}</h1>{body}</body></html>"
    )
    return _Reply(status, page.encode("utf-8"), [("Content-Type", "text/html; charset=utf-8")])


def _redirect(location):
    return _Reply(303, b"", [("Location", location)])
