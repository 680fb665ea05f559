"""Answering requests: faults in front, then idempotency, then the route."""

import copy
import json
import re
import time
from urllib.parse import parse_qsl, urlsplit

from tests.custody.payments.fake_stripe.support import (
    FakeStripeError,
    LoggedRequest,
    _as_list,
    _Call,
    _error_reply,
    _json_headers,
    _new_id,
    _Reply,
    _Request,
    _route,
    _StoredResult,
    _unrecognized,
    parse_params,
)


class HttpMixin:
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
