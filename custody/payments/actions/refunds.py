"""Refunds through Stripe's Refunds API, confirmed by its webhook, retried until they land."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import states
from core.audit import audit_record
from core.errors import InvalidTransition
from core.lazy import lazy_import
from core.notices import notify
from custody.payments import gateway, ledger
from custody.payments.actions.common import (
    ZERO,
    Kind,
    log,
    made_earlier,
    next_key,
    notice_params,
    officers,
    people,
    send_refund_later,
)
from custody.payments.models import CoPayment, Method, Refund

# Stripe (and the HTTP clients it loads) only when a payment call is made.
stripe = lazy_import("stripe")

# --- Refunds --------------------------------------------------------------------------


def refund_send(refund_id):
    """Ask Stripe for a pending refund.

    The SDK retries a timeout or a 500 with the same idempotency key. A later attempt gets a
    new key, but first looks for a refund an earlier attempt made, so there is never a second.
    """
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("engagement").get(pk=refund_id)
        if refund.status != Refund.Status.PENDING or refund.stripe_refund_id:
            return refund
        copayment = CoPayment.objects.get(engagement_id=refund.engagement_id)
        client = gateway.client()
        refund.attempts += 1
        try:
            created = None
            if refund.attempts > 1:
                created = made_earlier(
                    client.v1.refunds.list(
                        params={"payment_intent": copayment.payment_intent_id, "limit": 100}
                    ),
                    key="refund",
                    value=str(refund.pk),
                )
            created = created or client.v1.refunds.create(
                params={
                    "payment_intent": copayment.payment_intent_id,
                    "amount": gateway.to_minor(refund.amount),
                    "metadata": {"refund": str(refund.pk), "engagement": str(refund.engagement_id)},
                },
                options={"idempotency_key": refund.idempotency_key},
            )
        except stripe.StripeError as error:
            refund.last_error = str(error.user_message or error)[:2000]
            log.warning("refund %s not sent: %s", refund.pk, error)
            if not isinstance(error, stripe.APIConnectionError):
                next_key(refund)
            if isinstance(error, stripe.InvalidRequestError):
                states.check(Refund, refund.status, Refund.Status.FAILED)
                refund.status = Refund.Status.FAILED
                notify(
                    officers(),
                    kind="refund_failed",
                    params=notice_params(refund.engagement, amount=str(refund.amount)),
                )
            refund.save(update_fields=["attempts", "last_error", "idempotency_key", "status"])
            return refund
        refund.stripe_refund_id = created.id
        refund.last_error = ""
        refund.save(update_fields=["attempts", "stripe_refund_id", "last_error"])
    # Pending until Stripe's webhook says it succeeded (refund_observed).
    return refund


@transaction.atomic
def refund_observed(stripe_refund, *, now=None):
    """A refund as Stripe now sees it (re-read): confirm ours, or record one made in Stripe."""
    now = now or timezone.now()
    payment_intent_id = gateway.object_id(stripe_refund.payment_intent)
    copayment = CoPayment.objects.filter(payment_intent_id=payment_intent_id).first()
    if copayment is None:
        return None
    refund = (
        Refund.objects.select_for_update()
        .filter(engagement_id=copayment.engagement_id)
        .filter(stripe_refund_id=stripe_refund.id)
        .first()
    )
    metadata_refund = gateway.metadata(stripe_refund).get("refund")
    if refund is None and metadata_refund:
        refund = (
            Refund.objects.select_for_update()
            .filter(pk=metadata_refund, engagement_id=copayment.engagement_id)
            .first()
        )
    amount = gateway.from_minor(stripe_refund.amount)
    if refund is None:
        # Made in Stripe's dashboard: the ledger must still show it.
        refund = Refund.objects.create(
            engagement_id=copayment.engagement_id,
            amount=amount,
            reason=_("Refunded in Stripe"),
            method=Method.STRIPE,
            stripe_refund_id=stripe_refund.id,
            idempotency_key=f"stripe-{stripe_refund.id}",
        )
    elif not refund.stripe_refund_id:
        refund.stripe_refund_id = stripe_refund.id
        refund.save(update_fields=["stripe_refund_id"])
    if stripe_refund.status == "succeeded" and refund.status != Refund.Status.SUCCEEDED:
        ledger.record(
            kind=Kind.COPAY_REFUNDED,
            engagement=refund.engagement,
            amount=amount,
            key=f"copay_refunded:{stripe_refund.id}",
            method=Method.STRIPE,
            stripe_object_id=stripe_refund.id,
        )
        states.check(Refund, refund.status, Refund.Status.SUCCEEDED)
        refund.status = Refund.Status.SUCCEEDED
        refund.confirmed_at = now
        refund.save(update_fields=["status", "confirmed_at"])
        engagement = refund.engagement
        notify(
            people(firm_id=engagement.firm_id),
            kind="copayment_refunded",
            params=notice_params(engagement, amount=str(amount)),
        )
    elif stripe_refund.status in ("failed", "canceled") and refund.status == Refund.Status.PENDING:
        states.check(Refund, refund.status, Refund.Status.FAILED)
        refund.status = Refund.Status.FAILED
        refund.last_error = getattr(stripe_refund, "failure_reason", None) or stripe_refund.status
        refund.save(update_fields=["status", "last_error"])
        notify(
            officers(),
            kind="refund_failed",
            params=notice_params(refund.engagement, amount=str(refund.amount)),
        )
    return refund


def refunds_retry():
    if not gateway.is_configured():
        return 0
    pending = Refund.objects.filter(
        status=Refund.Status.PENDING, method=Method.STRIPE, stripe_refund_id=""
    )
    count = 0
    for refund_id in pending.values_list("pk", flat=True):
        refund_send(refund_id)
        count += 1
    return count


def refund_excess(engagement, *, keep, by, reason):
    """Refund what the firm paid beyond `keep`, net of refunds already asked for."""
    held = ledger.copay_held(engagement)
    pending = sum((r.amount for r in engagement.refunds.filter(status=Refund.Status.PENDING)), ZERO)
    amount = held - pending - keep
    if amount <= 0:
        return None
    paid_by = CoPayment.objects.filter(engagement_id=engagement.pk).values_list("method", flat=True)
    method = Method.STRIPE if paid_by.first() == Method.STRIPE else Method.OFFLINE
    refund = Refund.objects.create(
        engagement=engagement,
        amount=amount,
        reason=str(reason)[:200],
        method=method,
        requested_by=by if by is not None and by.is_authenticated else None,
        idempotency_key=f"refund-engagement-{engagement.pk}-{engagement.refunds.count() + 1}",
    )
    audit_record(
        actor=by,
        action="refund.requested",
        subject=engagement,
        data={"amount": str(amount), "method": method},
    )
    if method == Method.STRIPE:
        transaction.on_commit(lambda: send_refund_later(refund.pk))
    else:
        notify(officers(), kind="refund_due", params=notice_params(engagement, amount=str(amount)))
    return refund


def refund_paid_by_bank(*, engagement, now):
    """The office records the bank refund it paid: the pending bank refund succeeds."""
    refund = (
        engagement.refunds.select_for_update()
        .filter(status=Refund.Status.PENDING, method=Method.OFFLINE)
        .first()
    )
    if refund is None:
        raise InvalidTransition(
            _("No bank refund is due for this engagement."), code="no_refund_due"
        )
    refund.confirmed_at = now
    states.transition(
        refund,
        Refund.Status.SUCCEEDED,
        by=None,
        action="refund.succeeded",
        fields=("confirmed_at",),
        audit=False,
    )
    return refund
