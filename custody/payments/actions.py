"""Co-payments, refunds, payouts and Connect accounts: every change of money state.

Budget movements follow the engagement's moves through the `engagement_*` functions here,
called inside the move's transaction (by `custody.receivers` for the marketplace's moves, by
the settlement for its own). Calls to Stripe happen in tasks after
the transaction that decided them commits, each with an idempotency key derived from the
row it serves, so a retry after a timeout or a 500 can never move money twice.

The refund rule: the firm keeps paying only for what was delivered. Its share of the
delivered value is split from the confirmed services as the settlement splits them
(government share, co-payment cap); whatever it paid beyond that is refunded. Before any
service is confirmed that is the whole co-payment.
"""

import datetime
import logging

import stripe
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ActionError, InvalidTransition, NotAllowed
from core.notices import notify
from custody.payments import gateway, ledger
from custody.payments.models import CoPayment, LedgerEntry, Method, PaymentAccount, Payout, Refund
from marketplace.actions.engagements import engagement_activate, engagement_lapse
from marketplace.models import Engagement, User

log = logging.getLogger(__name__)
Kind = LedgerEntry.Kind
ZERO = ledger.ZERO


def _people(**filters):
    return list(User.objects.filter(is_active=True, **filters))


def _officers():
    return _people(role=User.Role.PROGRAMME_OFFICER)


def _params(engagement, **extra):
    return {
        "firm": engagement.firm.name,
        "agency": engagement.agency.name,
        "engagement_id": engagement.pk,
        **extra,
    }


def _check_officer(by):
    if not (by is not None and by.is_programme_officer):
        raise NotAllowed(_("Only a programme officer can do this."), code="not_officer")


def _lock_engagement(engagement_id):
    return (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("firm", "agency", "programme_year")
        .get(pk=engagement_id)
    )


def _lock_copayment(engagement_id):
    copayment = CoPayment.objects.select_for_update().filter(engagement_id=engagement_id).first()
    if copayment is None:
        # An engagement from before co-payments were tracked here: its co-payment was settled
        # outside the platform.
        engagement = Engagement.objects.get(pk=engagement_id)
        copayment = CoPayment.objects.create(
            engagement=engagement,
            amount=engagement.copay_amount,
            currency=ledger.currency(),
            status=CoPayment.Status.PAID,
            paid_at=engagement.created_at,
        )
    return copayment


# --- Money that follows an engagement's moves (custody.receivers, the settlement) ---------


def engagement_opened(engagement, *, now, copay_due=True):
    """A new engagement reserves its government amount; the firm owes its co-payment.

    copay_due=False for the successor of a change of agency: what the firm paid moves with it.
    """
    ledger.record(
        kind=Kind.BUDGET_RESERVED,
        engagement=engagement,
        amount=engagement.government_amount,
        key=f"reserve:engagement:{engagement.pk}",
    )
    days = engagement.programme_year.copay_due_days
    waits = engagement.status == Engagement.Status.AWAITING_PAYMENT
    CoPayment.objects.create(
        engagement=engagement,
        amount=engagement.copay_amount,
        currency=ledger.currency(),
        status=CoPayment.Status.DUE
        if copay_due and engagement.copay_amount > 0
        else CoPayment.Status.PAID,
        due_by=now + datetime.timedelta(days=days) if waits else None,
        paid_at=None if copay_due and engagement.copay_amount > 0 else now,
    )


def engagement_transferred(*, old, new, released, now):
    """A change of agency: the old engagement keeps the delivered part, the new one the rest."""
    ledger.record(
        kind=Kind.BUDGET_RELEASED,
        engagement=old,
        amount=released,
        key=f"release:engagement:{old.pk}:transfer",
    )
    old_copayment = _lock_copayment(old.pk)
    still_due = old_copayment.status == CoPayment.Status.DUE
    if still_due:
        old_copayment.status = CoPayment.Status.CANCELLED
        old_copayment.save(update_fields=["status"])
    engagement_opened(new, now=now, copay_due=still_due)
    carried = max(ledger.copay_held(old) - old.copay_amount, ZERO)
    ledger.record(
        kind=Kind.COPAY_CARRIED_OUT,
        engagement=old,
        amount=carried,
        key=f"carry_out:engagement:{old.pk}",
    )
    ledger.record(
        kind=Kind.COPAY_CARRIED_IN,
        engagement=new,
        amount=carried,
        key=f"carry_in:engagement:{new.pk}",
    )


def engagement_cancelled(engagement, *, by, reason, delivered_copay=ZERO):
    """A cancelled engagement gives its reservation back and the unused co-payment is refunded."""
    ledger.record(
        kind=Kind.BUDGET_RELEASED,
        engagement=engagement,
        amount=ledger.engagement_balances(engagement)[LedgerEntry.Account.RESERVED],
        key=f"release:engagement:{engagement.pk}:cancel",
    )
    copayment = _lock_copayment(engagement.pk)
    if copayment.status == CoPayment.Status.DUE:
        copayment.status = CoPayment.Status.CANCELLED
        copayment.save(update_fields=["status"])
        if copayment.checkout_session_id:
            session_id = copayment.checkout_session_id
            transaction.on_commit(lambda: _expire_checkout(session_id))
    # The firm's share of what was delivered is the agency's; the rest goes back to the firm.
    earned = min(ledger.copay_held(engagement), delivered_copay)
    ledger.record(
        kind=Kind.COPAY_EARNED,
        engagement=engagement,
        amount=earned,
        key=f"cancel:engagement:{engagement.pk}:earn",
    )
    _refund_excess(engagement, keep=ZERO, by=by, reason=reason)
    if earned > 0:
        _open_payout(engagement, amount=earned, key=f"payout-engagement-{engagement.pk}-cancelled")


def _open_payout(engagement, *, amount, key, settlement=None):
    payout = Payout.objects.create(
        settlement=settlement,
        engagement=engagement,
        agency=engagement.agency,
        amount=amount,
        idempotency_key=key,
    )
    if gateway.is_configured():
        transaction.on_commit(lambda: _send_payout_later(payout.pk))
    return payout


def engagement_settled(engagement, settlement, *, by, result):
    """An approved settlement: the agency is owed the government amount and the co-payment
    for what it delivered; the rest of the reservation and of the co-payment go back."""
    key = f"settlement:{settlement.pk}"
    ledger.record(
        kind=Kind.BUDGET_SETTLED, engagement=engagement, amount=result.amount, key=f"{key}:settle"
    )
    ledger.record(
        kind=Kind.BUDGET_RELEASED,
        engagement=engagement,
        amount=result.released,
        key=f"{key}:release",
    )
    held = ledger.copay_held(engagement)
    earned = min(held, result.split_copay)
    ledger.record(kind=Kind.COPAY_EARNED, engagement=engagement, amount=earned, key=f"{key}:earn")
    _refund_excess(
        engagement, keep=ZERO, by=by, reason=_("Services not delivered under the engagement")
    )
    return _open_payout(
        engagement,
        amount=result.amount + earned,
        key=f"payout-settlement-{settlement.pk}",
        settlement=settlement,
    )


def _refund_excess(engagement, *, keep, by, reason):
    """Refund what the firm paid beyond `keep`, net of refunds already asked for."""
    held = ledger.copay_held(engagement)
    pending = sum((r.amount for r in engagement.refunds.filter(status=Refund.Status.PENDING)), ZERO)
    amount = held - pending - keep
    if amount <= 0:
        return None
    copayment = _lock_copayment(engagement.pk)
    method = Method.STRIPE if copayment.method == Method.STRIPE else Method.OFFLINE
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
        transaction.on_commit(lambda: _send_refund_later(refund.pk))
    else:
        notify(_officers(), kind="refund_due", params=_params(engagement, amount=str(amount)))
    return refund


def _made_earlier(listing, *, key, value):
    """The object an earlier attempt made (its metadata names our row), if Stripe has one."""
    for obj in listing.auto_paging_iter():
        if gateway.metadata(obj).get(key) == value:
            return obj
    return None


def _next_key(row):
    """After an answer Stripe may have stored under the key (an error, a 500), the next
    attempt needs a key of its own; it first looks for what earlier attempts made."""
    base = row.idempotency_key.split("-retry-")[0]
    row.idempotency_key = f"{base}-retry-{row.attempts}"


# The tasks module runs these actions, so they are queued by name rather than imported.
def _send_payout_later(payout_id):
    current_app.signature("payments.send_payout", args=(payout_id,)).delay()


def _send_refund_later(refund_id):
    current_app.signature("payments.send_refund", args=(refund_id,)).delay()


def _expire_checkout(session_id):
    try:
        gateway.client().v1.checkout.sessions.expire(session_id)
    except stripe.StripeError as error:
        # An already completed or expired session cannot be expired; the webhook decides.
        log.info("checkout session %s not expired: %s", session_id, error)


# --- Co-payment -----------------------------------------------------------------------


def refund_rule_amount(engagement, *, delivered_copay=ZERO):
    """What cancelling now would refund: the co-payment held beyond the delivered share."""
    return max(ledger.copay_held(engagement) - delivered_copay, ZERO)


@transaction.atomic
def checkout_start(*, engagement, by, success_url, cancel_url):
    """The Stripe Checkout page where the firm pays its co-payment (an open one is reused)."""
    if not (by.is_firm_member and by.firm_id == engagement.firm_id):
        raise NotAllowed(_("Only the firm's members pay its co-payment."), code="not_firm")
    if not gateway.is_configured():
        raise InvalidTransition(
            _("Online payment is not configured; please pay by bank transfer."),
            code="payments_not_configured",
        )
    engagement = _lock_engagement(engagement.pk)
    copayment = _lock_copayment(engagement.pk)
    if copayment.status != CoPayment.Status.DUE:
        raise InvalidTransition(
            _("This co-payment is not due (%(status)s).")
            % {"status": copayment.get_status_display()},
            code=f"copayment_{copayment.status}",
        )
    client = gateway.client()
    previous = copayment.checkout_session_id
    if previous:
        session = client.v1.checkout.sessions.retrieve(previous)
        if session.status == "open":
            return session.url
        if session.status == "complete":
            raise InvalidTransition(
                _("Your payment was received and is being confirmed."), code="payment_confirming"
            )
    metadata = {"copayment": str(copayment.pk), "engagement": str(engagement.pk)}
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "client_reference_id": f"engagement-{engagement.pk}",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": copayment.currency.lower(),
                        "unit_amount": gateway.to_minor(copayment.amount),
                        "product_data": {
                            "name": _("IP custody co-payment: %(firm)s, %(year)s")
                            % {"firm": engagement.firm.name, "year": engagement.programme_year.year}
                        },
                    },
                }
            ],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "customer_email": by.email or None,
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
        options={"idempotency_key": f"checkout-copayment-{copayment.pk}-after-{previous or 0}"},
    )
    copayment.checkout_session_id = session.id
    copayment.save(update_fields=["checkout_session_id"])
    return session.url


def _activate(engagement, copayment, *, method, now):
    copayment.status = CoPayment.Status.PAID
    copayment.method = method
    copayment.paid_at = now
    copayment.save(update_fields=["status", "method", "paid_at"])
    engagement_activate(engagement=engagement)
    notify(
        _people(firm_id=engagement.firm_id) + _people(agency_id=engagement.agency_id),
        kind="copayment_received",
        params=_params(engagement, amount=str(copayment.amount)),
    )


@transaction.atomic
def copayment_received_online(*, payment_intent, now=None):
    """Stripe says a co-payment's PaymentIntent succeeded (re-read from Stripe, not trusted
    from the event): record it once, start custody, or refund it if custody was cancelled."""
    now = now or timezone.now()
    copayment_id = gateway.metadata(payment_intent).get("copayment")
    if not copayment_id or payment_intent.status != "succeeded":
        return None
    copayment = CoPayment.objects.select_for_update().filter(pk=copayment_id).first()
    if copayment is None:
        log.warning("payment %s names an unknown co-payment %s", payment_intent.id, copayment_id)
        return None
    engagement = _lock_engagement(copayment.engagement_id)
    copayment = _lock_copayment(engagement.pk)
    charge_id = gateway.object_id(payment_intent.latest_charge)
    entry = ledger.record(
        kind=Kind.COPAY_RECEIVED,
        engagement=engagement,
        amount=gateway.from_minor(payment_intent.amount_received or payment_intent.amount),
        key=f"copay_received:{payment_intent.id}",
        method=Method.STRIPE,
        stripe_object_id=charge_id or payment_intent.id,
    )
    if entry is None:
        return copayment  # recorded before: a repeated or reordered event
    copayment.payment_intent_id = payment_intent.id
    copayment.charge_id = charge_id or ""
    copayment.save(update_fields=["payment_intent_id", "charge_id"])
    if copayment.status == CoPayment.Status.DUE:
        _activate(engagement, copayment, method=Method.STRIPE, now=now)
    elif copayment.status == CoPayment.Status.CANCELLED:
        # Paid after the engagement lapsed or was cancelled: nothing to pay for.
        copayment.method = Method.STRIPE
        copayment.save(update_fields=["method"])
        _refund_excess(
            engagement, keep=ZERO, by=None, reason=_("Paid after the engagement was cancelled")
        )
    return copayment


def _check_whole(amount, due, message):
    """A bank transfer is recorded for the whole amount due, never a part of it."""
    if amount != due:
        raise ActionError(message % {"amount": due}, code="amount_mismatch", field="amount")


@transaction.atomic
def offline_payment_record(*, engagement, by, kind, amount, reference, value_date):
    """The programme office records a bank transfer: a co-payment received, a refund paid to
    the firm, or a payout paid to the agency."""
    _check_officer(by)
    reference = (reference or "").strip()
    if not reference:
        raise ActionError(
            _("Please give the bank transfer reference."), code="required", field="reference"
        )
    if amount is None or amount <= 0:
        raise ActionError(_("The amount must be positive."), code="invalid", field="amount")
    if value_date > timezone.localdate():
        raise ActionError(
            _("The transfer date cannot be in the future."), code="invalid", field="value_date"
        )
    engagement = _lock_engagement(engagement.pk)
    copayment = _lock_copayment(engagement.pk)
    key = f"offline:{kind}:{engagement.pk}:{reference}"
    common = {
        "engagement": engagement,
        "amount": amount,
        "key": key,
        "method": Method.OFFLINE,
        "reference": reference,
        "value_date": value_date,
        "by": by,
    }
    if ledger.LedgerEntry.objects.filter(key=key).exists():
        raise ActionError(
            _("A transfer with this reference is already recorded."),
            code="duplicate",
            field="reference",
        )
    if kind == Kind.COPAY_RECEIVED:
        if copayment.status != CoPayment.Status.DUE:
            raise InvalidTransition(
                _("This co-payment is not due (%(status)s).")
                % {"status": copayment.get_status_display()},
                code=f"copayment_{copayment.status}",
            )
        _check_whole(
            amount,
            copayment.amount,
            _("The co-payment due is %(amount)s; record the whole amount."),
        )
        ledger.record(kind=Kind.COPAY_RECEIVED, **common)
        _activate(engagement, copayment, method=Method.OFFLINE, now=timezone.now())
    elif kind == Kind.COPAY_REFUNDED:
        refund = (
            engagement.refunds.select_for_update()
            .filter(status=Refund.Status.PENDING, method=Method.OFFLINE)
            .first()
        )
        if refund is None:
            raise InvalidTransition(
                _("No bank refund is due for this engagement."), code="no_refund_due"
            )
        _check_whole(
            amount, refund.amount, _("The refund due is %(amount)s; record the whole amount.")
        )
        ledger.record(kind=Kind.COPAY_REFUNDED, **common)
        refund.status = Refund.Status.SUCCEEDED
        refund.confirmed_at = timezone.now()
        refund.save(update_fields=["status", "confirmed_at"])
    elif kind == Kind.PAYOUT_SENT:
        payout = (
            Payout.objects.select_for_update()
            .filter(engagement=engagement)
            .exclude(status__in=[Payout.Status.SENT, Payout.Status.REVERSED])
            .first()
        )
        if payout is None:
            raise InvalidTransition(
                _("No payout is waiting for this engagement."), code="no_payout_due"
            )
        _check_whole(
            amount, payout.amount, _("The payout due is %(amount)s; record the whole amount.")
        )
        ledger.record(kind=Kind.PAYOUT_SENT, **common)
        payout.status = Payout.Status.SENT
        payout.method = Method.OFFLINE
        payout.reference = reference
        payout.sent_at = timezone.now()
        payout.save(update_fields=["status", "method", "reference", "sent_at"])
    else:
        raise ActionError(_("Choose what the transfer was for."), code="invalid", field="kind")
    audit_record(
        actor=by,
        action="payment.offline_recorded",
        subject=engagement,
        data={"kind": kind, "amount": str(amount), "reference": reference},
    )
    return engagement


def copayments_chase(*, now=None):
    """Remind firms whose co-payment is due soon; cancel engagements whose time ran out."""
    now = now or timezone.now()
    reminded = cancelled = 0
    due = CoPayment.objects.filter(status=CoPayment.Status.DUE, due_by__isnull=False)
    for copayment in due.filter(due_by__lte=now).select_related("engagement"):
        if engagement_lapse(engagement=copayment.engagement, due_by=copayment.due_by, now=now):
            cancelled += 1
    soon = due.filter(
        reminded_at__isnull=True,
        due_by__gt=now,
        due_by__lte=now + datetime.timedelta(days=settings.PAYMENTS_REMINDER_DAYS),
    ).select_related("engagement__firm", "engagement__agency")
    for copayment in soon:
        with transaction.atomic():
            locked = CoPayment.objects.select_for_update().get(pk=copayment.pk)
            if locked.reminded_at is not None or locked.status != CoPayment.Status.DUE:
                continue
            locked.reminded_at = now
            locked.save(update_fields=["reminded_at"])
            engagement = copayment.engagement
            notify(
                _people(firm_id=engagement.firm_id),
                kind="copayment_reminder",
                params=_params(
                    engagement,
                    amount=str(copayment.amount),
                    due_by=timezone.localtime(copayment.due_by).strftime("%Y-%m-%d %H:%M"),
                ),
            )
            reminded += 1
    return {"reminded": reminded, "cancelled": cancelled}


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
        copayment = _lock_copayment(refund.engagement_id)
        client = gateway.client()
        refund.attempts += 1
        try:
            created = None
            if refund.attempts > 1:
                created = _made_earlier(
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
                _next_key(refund)
            if isinstance(error, stripe.InvalidRequestError):
                refund.status = Refund.Status.FAILED
                notify(
                    _officers(),
                    kind="refund_failed",
                    params=_params(refund.engagement, amount=str(refund.amount)),
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
        refund.status = Refund.Status.SUCCEEDED
        refund.confirmed_at = now
        refund.save(update_fields=["status", "confirmed_at"])
        engagement = refund.engagement
        notify(
            _people(firm_id=engagement.firm_id),
            kind="copayment_refunded",
            params=_params(engagement, amount=str(amount)),
        )
    elif stripe_refund.status in ("failed", "canceled") and refund.status == Refund.Status.PENDING:
        refund.status = Refund.Status.FAILED
        refund.last_error = getattr(stripe_refund, "failure_reason", None) or stripe_refund.status
        refund.save(update_fields=["status", "last_error"])
        notify(
            _officers(),
            kind="refund_failed",
            params=_params(refund.engagement, amount=str(refund.amount)),
        )
    return refund


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
            _check_officer(by)
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
            payout.status = Payout.Status.BLOCKED
            payout.last_error = (
                _("%(agency)s has not connected a payout account yet.")
                if account is None
                else _("%(agency)s has not finished setting up its payout account.")
            ) % {"agency": payout.agency.name}
            payout.save(update_fields=["status", "last_error", "last_attempt_at"])
            notify(
                _officers() + _people(agency_id=payout.agency_id),
                kind="payout_blocked",
                params=_params(payout.engagement, amount=str(payout.amount)),
            )
            return payout
        payout.attempts += 1
        client = gateway.client()
        try:
            transfer = None
            if payout.attempts > 1:
                transfer = _made_earlier(
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
            payout.status = Payout.Status.FAILED
            payout.last_error = str(error.user_message or error)[:2000]
            if not isinstance(error, stripe.APIConnectionError):
                _next_key(payout)
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
                    _officers(),
                    kind="payout_failed",
                    params=_params(payout.engagement, amount=str(payout.amount)),
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
    notify(
        _people(agency_id=payout.agency_id),
        kind="payout_sent",
        params=_params(payout.engagement, amount=str(payout.amount)),
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
    payout.status = Payout.Status.REVERSED
    payout.save(update_fields=["status"])
    notify(
        _officers(),
        kind="payout_failed",
        params=_params(payout.engagement, amount=str(payout.amount)),
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


# --- Connect --------------------------------------------------------------------------


def connect_onboarding_link(*, agency, by, refresh_url, return_url):
    """Stripe's onboarding page for the agency's payout account (created on first use)."""
    if not (by.is_agency_staff and by.agency_id == agency.pk):
        raise NotAllowed(_("Only the agency's staff can connect its payout account."))
    if not gateway.is_configured():
        raise InvalidTransition(
            _("Online payment is not configured; payouts are made by bank transfer."),
            code="payments_not_configured",
        )
    client = gateway.client()
    with transaction.atomic():
        account = PaymentAccount.objects.select_for_update().filter(agency=agency).first()
        if account is None:
            created = client.v1.accounts.create(
                params={
                    "type": "express",
                    "email": by.email or None,
                    "business_profile": {"name": agency.name},
                    "metadata": {"agency": str(agency.pk)},
                },
                options={"idempotency_key": f"connect-account-agency-{agency.pk}"},
            )
            account = PaymentAccount.objects.create(agency=agency, stripe_account_id=created.id)
    link = client.v1.account_links.create(
        params={
            "account": account.stripe_account_id,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        }
    )
    return link.url


def connect_account_observed(stripe_account):
    """Keep the agency's account flags as Stripe reports them; unblock waiting payouts."""
    account = PaymentAccount.objects.filter(stripe_account_id=stripe_account.id).first()
    if account is None:
        return None
    account.details_submitted = bool(stripe_account.details_submitted)
    account.payouts_enabled = bool(stripe_account.payouts_enabled)
    account.save(update_fields=["details_submitted", "payouts_enabled", "updated_at"])
    if account.payouts_enabled:
        for payout_id in Payout.objects.filter(
            agency_id=account.agency_id, status=Payout.Status.BLOCKED
        ).values_list("pk", flat=True):
            transaction.on_commit(lambda payout_id=payout_id: _send_payout_later(payout_id))
    return account


def connect_refresh(*, agency):
    account = PaymentAccount.objects.filter(agency=agency).first()
    if account is None or not gateway.is_configured():
        return account
    with transaction.atomic():
        return connect_account_observed(
            gateway.client().v1.accounts.retrieve(account.stripe_account_id)
        )


def payments_page_url(engagement):
    return reverse("frontend:engagement-payments", args=[engagement.pk])
