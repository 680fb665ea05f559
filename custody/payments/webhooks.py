"""Stripe's webhook events: verified, stored once, then processed in a task.

Handlers never trust the event's copy of an object: they re-read its current state from
Stripe, so events arriving late, twice or out of order all lead to the same state, and
re-processing a stored event (`manage.py stripe_replay`) is always safe.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from custody.payments import actions, gateway
from custody.payments.models import CoPayment, StripeEvent

log = logging.getLogger(__name__)


def receive(payload, signature):
    """Verify and store an event; returns (event, created). Raises ValueError or
    stripe.SignatureVerificationError for a forged, stale or malformed delivery."""
    event = gateway.construct_event(payload, signature)
    try:
        with transaction.atomic():
            stored = StripeEvent.objects.create(
                stripe_id=event.id,
                type=event.type,
                created=datetime.datetime.fromtimestamp(event.created, tz=datetime.UTC),
                payload=event.to_dict(),
            )
    except IntegrityError:
        return StripeEvent.objects.get(stripe_id=event.id), False
    return stored, True


def _sync_payment_intent(client, payment_intent_id):
    if not payment_intent_id:
        return None
    payment_intent = client.v1.payment_intents.retrieve(payment_intent_id)
    return actions.copayment_received_online(payment_intent=payment_intent)


def _sync_charge_refunds(client, charge_id):
    charge = client.v1.charges.retrieve(charge_id)
    _sync_payment_intent(client, gateway.object_id(charge.payment_intent))
    for refund in client.v1.refunds.list(params={"charge": charge_id}).auto_paging_iter():
        actions.refund_observed(refund)


def _on_checkout_session(client, obj):
    session = client.v1.checkout.sessions.retrieve(obj["id"])
    if session.status == "expired":
        CoPayment.objects.filter(checkout_session_id=session.id).update(checkout_session_id="")
        return
    _sync_payment_intent(client, gateway.object_id(session.payment_intent))


def _on_payment_intent(client, obj):
    _sync_payment_intent(client, obj["id"])


def _on_charge(client, obj):
    if obj.get("amount_refunded"):
        _sync_charge_refunds(client, obj["id"])
    else:
        _sync_payment_intent(client, gateway.object_id(obj.get("payment_intent")))


def _on_refund(client, obj):
    refund = client.v1.refunds.retrieve(obj["id"])
    _sync_payment_intent(client, gateway.object_id(refund.payment_intent))
    actions.refund_observed(refund)


def _on_account(client, obj):
    with transaction.atomic():
        actions.connect_account_observed(client.v1.accounts.retrieve(obj["id"]))


def _on_transfer(client, obj):
    actions.payout_reversed(client.v1.transfers.retrieve(obj["id"]))


HANDLERS = {
    "checkout.session.completed": _on_checkout_session,
    "checkout.session.async_payment_succeeded": _on_checkout_session,
    "checkout.session.expired": _on_checkout_session,
    "payment_intent.succeeded": _on_payment_intent,
    "charge.succeeded": _on_charge,
    "charge.refunded": _on_charge,
    "refund.created": _on_refund,
    "refund.updated": _on_refund,
    "refund.failed": _on_refund,
    "charge.refund.updated": _on_refund,
    "account.updated": _on_account,
    "transfer.reversed": _on_transfer,
}


def process(event_pk, *, force=False):
    """Apply one stored event. Already processed events are skipped unless forced (replay)."""
    event = StripeEvent.objects.get(pk=event_pk)
    if event.processed_at is not None and not force:
        return event
    handler = HANDLERS.get(event.type)
    try:
        if handler is not None:
            handler(gateway.client(), event.payload["data"]["object"])
    except Exception as error:
        StripeEvent.objects.filter(pk=event.pk).update(
            attempts=event.attempts + 1, last_error=repr(error)[:2000]
        )
        log.exception("Stripe event %s (%s) failed", event.stripe_id, event.type)
        raise
    StripeEvent.objects.filter(pk=event.pk).update(
        processed_at=timezone.now(), attempts=event.attempts + 1, last_error=""
    )
    event.refresh_from_db()
    return event
