"""Payouts to agencies through Stripe Connect transfers, each with its own idempotency key."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import states
from core.errors import InvalidTransition
from core.lazy import lazy_import
from core.notices import notify
from custody.payments import gateway, ledger
from custody.payments.actions.common import (
    Kind,
    check_officer,
    log,
    made_earlier,
    next_key,
    notice_params,
    officers,
    people,
    send_payout_later,
)
from custody.payments.models import Method, PaymentAccount, Payout

# Stripe (and the HTTP clients it loads) only when a payment call is made.
stripe = lazy_import("stripe")

# --- Payouts --------------------------------------------------------------------------


def payout_send(payout_id, *, by=None):
    """Transfer an approved settlement's amount to the agency's connected account.

    The SDK retries a timeout or a 500 with the payout's idempotency key, so Stripe returns
    the transfer it already made. After an answer Stripe may have stored under that key, the
    next attempt (the scheduler's or the officer's) takes a new key but first looks for a
    transfer an earlier attempt made: there is never a second transfer.
    """
    with transaction.atomic():
        payout = (
            Payout.objects.select_for_update()
            .select_related("engagement__firm", "agency")
            .get(pk=payout_id)
        )
        if by is not None:
            check_officer(by)
        if payout.status in (Payout.Status.SENT, Payout.Status.REVERSED):
            return payout
        if not gateway.is_configured():
            raise InvalidTransition(
                _("Online payment is not configured; record the bank transfer instead."),
                code="payments_not_configured",
            )
        account = PaymentAccount.objects.filter(agency=payout.agency).first()
        payout.last_attempt_at = timezone.now()
        if account is None or not account.payouts_enabled:
            states.check(Payout, payout.status, Payout.Status.BLOCKED)
            payout.status = Payout.Status.BLOCKED
            payout.last_error = (
                _("%(agency)s has not connected a payout account yet.")
                if account is None
                else _("%(agency)s has not finished setting up its payout account.")
            ) % {"agency": payout.agency.name}
            payout.save(update_fields=["status", "last_error", "last_attempt_at"])
            notify(
                officers() + people(agency_id=payout.agency_id),
                kind="payout_blocked",
                params=notice_params(payout.engagement, amount=str(payout.amount)),
            )
            return payout
        payout.attempts += 1
        client = gateway.client()
        try:
            transfer = None
            if payout.attempts > 1:
                transfer = made_earlier(
                    client.v1.transfers.list(
                        params={
                            "transfer_group": f"engagement-{payout.engagement_id}",
                            "limit": 100,
                        }
                    ),
                    key="payout",
                    value=str(payout.pk),
                )
            transfer = transfer or client.v1.transfers.create(
                params={
                    "amount": gateway.to_minor(payout.amount),
                    "currency": ledger.currency().lower(),
                    "destination": account.stripe_account_id,
                    "transfer_group": f"engagement-{payout.engagement_id}",
                    "metadata": {
                        "payout": str(payout.pk),
                        "settlement": str(payout.settlement_id or ""),
                        "engagement": str(payout.engagement_id),
                    },
                },
                options={"idempotency_key": payout.idempotency_key},
            )
        except stripe.StripeError as error:
            states.check(Payout, payout.status, Payout.Status.FAILED)
            payout.status = Payout.Status.FAILED
            payout.last_error = str(error.user_message or error)[:2000]
            if not isinstance(error, stripe.APIConnectionError):
                next_key(payout)
            payout.save(
                update_fields=[
                    "status",
                    "attempts",
                    "last_error",
                    "last_attempt_at",
                    "idempotency_key",
                ]
            )
            log.warning("payout %s failed (attempt %s): %s", payout.pk, payout.attempts, error)
            if payout.attempts == 1 or by is not None:
                notify(
                    officers(),
                    kind="payout_failed",
                    params=notice_params(payout.engagement, amount=str(payout.amount)),
                )
            return payout
        _payout_sent(payout, transfer)
        return payout


def _payout_sent(payout, transfer):
    ledger.record(
        kind=Kind.PAYOUT_SENT,
        engagement=payout.engagement,
        amount=gateway.from_minor(transfer.amount),
        key=f"payout_sent:{transfer.id}",
        method=Method.STRIPE,
        stripe_object_id=transfer.id,
    )
    states.check(Payout, payout.status, Payout.Status.SENT)
    payout.status = Payout.Status.SENT
    payout.method = Method.STRIPE
    payout.stripe_transfer_id = transfer.id
    payout.sent_at = timezone.now()
    payout.last_error = ""
    payout.save(
        update_fields=[
            "status",
            "method",
            "stripe_transfer_id",
            "sent_at",
            "last_error",
            "attempts",
            "last_attempt_at",
        ]
    )
    _announce_sent(payout)


def _announce_sent(payout):
    """The agency hears its payout left, however it was sent (the outbound webhooks too)."""
    notify(
        people(agency_id=payout.agency_id),
        kind="payout_sent",
        params=notice_params(payout.engagement, amount=str(payout.amount), payout_id=payout.pk),
    )


@transaction.atomic
def payout_reversed(transfer):
    """Stripe reversed a transfer (re-read): the agency is owed the amount again."""
    payout = Payout.objects.select_for_update().filter(stripe_transfer_id=transfer.id).first()
    if payout is None or not transfer.amount_reversed:
        return None
    ledger.record(
        kind=Kind.PAYOUT_FAILED,
        engagement=payout.engagement,
        amount=gateway.from_minor(transfer.amount_reversed),
        key=f"payout_failed:{transfer.id}",
        method=Method.STRIPE,
        stripe_object_id=transfer.id,
    )
    states.check(Payout, payout.status, Payout.Status.REVERSED)
    payout.status = Payout.Status.REVERSED
    payout.save(update_fields=["status"])
    notify(
        officers(),
        kind="payout_failed",
        params=notice_params(payout.engagement, amount=str(payout.amount)),
    )
    return payout


def payouts_retry(*, now=None):
    """Retry payouts that failed or waited for an account (see payout_send on keys)."""
    if not gateway.is_configured():
        return 0
    retried = 0
    for payout_id in Payout.objects.filter(
        status__in=[Payout.Status.FAILED, Payout.Status.BLOCKED, Payout.Status.PENDING]
    ).values_list("pk", flat=True):
        payout_send(payout_id)
        retried += 1
    return retried


def open_payout(engagement, *, amount, key, settlement=None):
    payout = Payout.objects.create(
        settlement=settlement,
        engagement=engagement,
        agency=engagement.agency,
        amount=amount,
        idempotency_key=key,
    )
    if gateway.is_configured():
        transaction.on_commit(lambda: send_payout_later(payout.pk))
    return payout


def payout_waiting(engagement):
    """The payout of an engagement not yet sent (locked), or None."""
    return (
        Payout.objects.select_for_update()
        .filter(engagement=engagement)
        .exclude(status__in=[Payout.Status.SENT, Payout.Status.REVERSED])
        .first()
    )


def payout_sent_by_bank(*, payout, reference, now):
    """The office records the bank transfer it made to the agency."""
    payout.method = Method.OFFLINE
    payout.reference = reference
    payout.sent_at = now
    states.transition(
        payout,
        Payout.Status.SENT,
        by=None,
        action="payout.sent",
        fields=("method", "reference", "sent_at"),
        audit=False,
    )
    _announce_sent(payout)
