"""The v1 endpoints the product uses: checkout, refunds, Connect accounts and transfers."""

import re
import secrets
from urllib.parse import urlencode

from tests.custody.payments.fake_stripe.support import (
    ACCOUNT_LINK_LIFETIME,
    COLLECTIONS,
    LIST_FILTERS,
    REFUND_REASONS,
    SESSION_LIFETIME,
    FakeStripeError,
    _as_list,
    _created_matches,
    _integer,
    _money,
    _new_id,
    _now,
    _required,
)


class ApiMixin:
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
