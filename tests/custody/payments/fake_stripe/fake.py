"""The fake Stripe server: its lifecycle, inspection, what a user does in the browser, and faults."""

import copy
import threading

from tests.custody.payments.fake_stripe.api import ApiMixin
from tests.custody.payments.fake_stripe.http import HttpMixin
from tests.custody.payments.fake_stripe.pages import PagesMixin
from tests.custody.payments.fake_stripe.state import StateMixin
from tests.custody.payments.fake_stripe.support import (
    DEFAULT_WEBHOOK_SECRET,
    _Fault,
    _Handler,
    _new_id,
    _Server,
)
from tests.custody.payments.fake_stripe.webhooks import WebhooksMixin


class FakeStripe(WebhooksMixin, HttpMixin, ApiMixin, PagesMixin, StateMixin):
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
