"""The stored objects, balances, events and expansion."""

import copy

from tests.custody.payments.fake_stripe.support import (
    FALLBACK_API_VERSION,
    FakeStripeError,
    _new_id,
    _now,
)


class StateMixin:
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
