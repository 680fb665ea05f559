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

from tests.custody.payments.fake_stripe.fake import FakeStripe
from tests.custody.payments.fake_stripe.support import (
    DEFAULT_WEBHOOK_SECRET,
    Delivery,
    FakeStripeError,
    LoggedRequest,
    sign,
)

__all__ = [
    "DEFAULT_WEBHOOK_SECRET",
    "Delivery",
    "FakeStripe",
    "FakeStripeError",
    "LoggedRequest",
    "sign",
]
