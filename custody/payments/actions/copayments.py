"""Co-payments: the one module that changes a co-payment's status.

    (opened) ──► due ──► paid
                  └──► cancelled (the engagement was cancelled or moved on unpaid)

The table is `CoPayment.TRANSITIONS`. The firm pays on Stripe Checkout (confirmed by the
webhook) or by bank transfer (recorded by the office); unpaid, it is reminded, then the
engagement lapses.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import states
from core.errors import InvalidTransition, NotAllowed
from core.notices import notify
from custody.payments import gateway, ledger
from custody.payments.actions.common import (
    ZERO,
    Kind,
    expire_checkout,
    lock_engagement,
    log,
    notice_params,
    people,
)
from custody.payments.actions.refunds import refund_excess
from custody.payments.models import CoPayment, Method
from custody.payments.selectors import payee_account
from marketplace.actions.engagements import engagement_activate, engagement_lapse
from marketplace.models import Engagement

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
    engagement = lock_engagement(engagement.pk)
    copayment = lock_copayment(engagement.pk)
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


def activate(engagement, copayment, *, method, now):
    copayment.method = method
    copayment.paid_at = now
    states.transition(
        copayment,
        CoPayment.Status.PAID,
        by=None,
        action="copayment.paid",
        fields=("method", "paid_at"),
        audit=False,
    )
    engagement_activate(engagement=engagement)
    notify(
        people(firm_id=engagement.firm_id) + people(agency_id=engagement.agency_id),
        kind="copayment_received",
        params=notice_params(engagement, amount=str(copayment.amount)),
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
    engagement = lock_engagement(copayment.engagement_id)
    copayment = lock_copayment(engagement.pk)
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
        activate(engagement, copayment, method=Method.STRIPE, now=now)
    elif copayment.status == CoPayment.Status.CANCELLED:
        # Paid after the engagement lapsed or was cancelled: nothing to pay for.
        copayment.method = Method.STRIPE
        copayment.save(update_fields=["method"])
        refund_excess(
            engagement, keep=ZERO, by=None, reason=_("Paid after the engagement was cancelled")
        )
    return copayment


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
                people(firm_id=engagement.firm_id),
                kind="copayment_reminder",
                params=how_to_pay(engagement, copayment),
            )
            reminded += 1
    return {"reminded": reminded, "cancelled": cancelled}


def copayment_cancel(copayment):
    """An unpaid co-payment is no longer owed (its engagement was cancelled or moved on)."""
    states.transition(
        copayment, CoPayment.Status.CANCELLED, by=None, action="copayment.cancelled", audit=False
    )
    if copayment.checkout_session_id:
        session_id = copayment.checkout_session_id
        transaction.on_commit(lambda: expire_checkout(session_id))


def lock_copayment(engagement_id):
    copayment = CoPayment.objects.select_for_update().filter(engagement_id=engagement_id).first()
    if copayment is None:
        # An engagement from before co-payments were tracked here: its co-payment was settled
        # outside the platform.
        engagement = Engagement.objects.get(pk=engagement_id)
        states.check(CoPayment, None, CoPayment.Status.PAID)
        copayment = CoPayment.objects.create(
            engagement=engagement,
            amount=engagement.copay_amount,
            currency=ledger.currency(),
            status=CoPayment.Status.PAID,
            paid_at=engagement.created_at,
        )
    return copayment


def copayment_open(engagement, *, now, copay_due=True):
    """The firm's co-payment for a new engagement: due by the programme's limit when the
    engagement waits for it, else paid already (nothing to pay, or carried over)."""
    owed = copay_due and engagement.copay_amount > 0
    status = CoPayment.Status.DUE if owed else CoPayment.Status.PAID
    states.check(CoPayment, None, status)
    waits = engagement.status == Engagement.Status.AWAITING_PAYMENT
    days = engagement.programme_year.copay_due_days
    copayment = CoPayment.objects.create(
        engagement=engagement,
        amount=engagement.copay_amount,
        currency=ledger.currency(),
        status=status,
        due_by=now + datetime.timedelta(days=days) if waits else None,
        paid_at=None if owed else now,
    )
    if copayment.status == CoPayment.Status.DUE and copayment.due_by is not None:
        notify(
            people(firm_id=engagement.firm_id),
            kind="copayment_due",
            params=how_to_pay(engagement, copayment),
        )
    return copayment


def how_to_pay(engagement, copayment):
    """What the firm must pay, by when and how, as a notice's parameters: the amount, the
    date, the reference to quote and the account in force (as it was when the firm was told)."""
    account = payee_account(on=timezone.localdate())
    return notice_params(
        engagement,
        amount=str(copayment.amount),
        due_by=copayment.due_by.isoformat(),
        reference=copayment.reference,
        account_name=account.account_name if account else "",
        bank_name=account.bank_name if account else "",
        account_number=account.account_number if account else "",
        online=gateway.is_configured(),
    )
