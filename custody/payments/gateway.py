"""The one place the product talks to Stripe.

With `STRIPE_SECRET_KEY` unset, online payment is off and every page says so; the
programme office records bank transfers instead. `STRIPE_API_BASE` points the SDK at
another Stripe-compatible server (the test suite's fake); it defaults to Stripe's own.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from core.lazy import lazy_import

# Stripe (and the HTTP clients it loads) only when a payment call is made.
stripe = lazy_import("stripe")

FEN = Decimal("0.01")


class PaymentsNotConfigured(Exception):
    pass


def is_configured():
    return bool(settings.STRIPE_SECRET_KEY)


def client():
    if not is_configured():
        raise PaymentsNotConfigured
    base = settings.STRIPE_API_BASE
    addresses = {"api": base, "connect": base, "files": base} if base else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=addresses,
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
    )


def to_minor(amount):
    """CNY 12.34 → 1234 fen, as Stripe counts."""
    return int((Decimal(amount) / FEN).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def from_minor(value):
    return (Decimal(value) * FEN).quantize(FEN)


def construct_event(payload, signature):
    """The verified event; raises ValueError or stripe.SignatureVerificationError otherwise."""
    return stripe.Webhook.construct_event(
        payload,
        signature,
        settings.STRIPE_WEBHOOK_SECRET,
        tolerance=settings.STRIPE_WEBHOOK_TOLERANCE,
    )


def object_id(value):
    """The id of an expandable field, whether Stripe sent the id or the object."""
    if value is None or isinstance(value, str):
        return value or ""
    return value["id"]


def metadata(obj):
    """An object's metadata as a plain dict (StripeObjects are not dicts)."""
    value = getattr(obj, "metadata", None)
    return value.to_dict() if value else {}
