"""The fake's constants, errors, small records, HTTP plumbing and parameter helpers."""

import hashlib
import hmac
import http.client
import json
import secrets
import string
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # race tests open many connections at once


class _Handler(BaseHTTPRequestHandler):
    fake = None  # the FakeStripe serving: set on a subclass by FakeStripe.start()
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
