"""Payments through Stripe, against a Stripe-compatible fake server on 127.0.0.1.

The product uses the real `stripe` SDK; only the API base address differs. Webhooks are
signed with Stripe's real scheme and delivered by the tests, in any order and any number
of times, so each fault case of the issue is played out exactly.
"""

import itertools
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.models import Notification
from custody.payments import actions as payments
from custody.payments import ledger, reconciliation
from custody.payments.models import (
    LedgerEntry,
    PaymentAccount,
    Payout,
    Refund,
    StripeEvent,
)
from marketplace import actions
from marketplace.models import Engagement
from tests.payments.conftest import deliver, settle
from tests.payments.fake_stripe import FakeStripe
from tests.payments.stripe_helpers import (
    WEBHOOK_SECRET,
    checkout,
    deliver_all,
    events_of,
    post_event,
)

pytestmark = pytest.mark.django_db
D = Decimal
Kind = LedgerEntry.Kind


@pytest.fixture
def fake(settings):
    with FakeStripe(webhook_secret=WEBHOOK_SECRET, deliver="manual") as server:
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_API_BASE = server.url
        settings.STRIPE_TIMEOUT_SECONDS = 2
        yield server


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def session_id(url):
    return url.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def paid(client, fake, capture, engagement, personas):
    """The firm paid on the Checkout page; Stripe's events wait to be delivered."""
    url = checkout(client, engagement, personas.firm_member, capture)
    fake.pay(session_id(url))
    return engagement


def received(engagement):
    return list(
        LedgerEntry.objects.filter(engagement=engagement, kind=Kind.COPAY_RECEIVED).values_list(
            "amount", flat=True
        )
    )


# --- Co-payment --------------------------------------------------------------------------


def test_checkout_charges_the_co_payment_in_fen(client, fake, capture, engagement, personas):
    url = checkout(client, engagement, personas.firm_member, capture)

    assert url.startswith(fake.url)
    session = fake.objects("checkout.session")[0]
    assert session["amount_total"] == 120000
    assert session["currency"] == "cny"
    assert session["metadata"] == {
        "copayment": str(engagement.copayment.pk),
        "engagement": str(engagement.pk),
    }
    # Pressing the button again reuses the open session.
    assert checkout(client, engagement, personas.firm_member, capture) == url
    assert len(fake.objects("checkout.session")) == 1


def test_the_return_from_checkout_does_not_activate_the_webhook_does(
    client, fake, capture, paid, personas
):
    page = client.get(
        reverse("frontend:engagement-payments", args=[paid.pk]), {"checkout": "returned"}
    )
    assert b'data-testid="payment-confirming"' in page.content
    paid.refresh_from_db()
    assert paid.status == Engagement.Status.AWAITING_PAYMENT

    deliver_all(client, fake, capture)

    paid.refresh_from_db()
    assert paid.status == Engagement.Status.ACTIVE
    assert paid.copayment.method == "stripe"
    assert received(paid) == [D("1200.00")]
    charge = fake.objects("charge")[0]
    assert LedgerEntry.objects.get(kind=Kind.COPAY_RECEIVED).stripe_object_id == charge["id"]


def test_a_forged_or_stale_signature_is_refused_and_changes_nothing(client, fake, paid):
    event = events_of(fake, "checkout.session.completed")[0]

    assert post_event(client, event, secret="whsec_forged").status_code == 400
    assert post_event(client, event, timestamp=int(time.time()) - 301).status_code == 400
    assert post_event(client, event, signature="").status_code == 400
    tampered = {**event, "type": "payment_intent.succeeded"}
    good_signature_other_body = post_event(client, tampered, signature=None, secret="whsec_x")
    assert good_signature_other_body.status_code == 400

    assert not StripeEvent.objects.exists()
    paid.refresh_from_db()
    assert paid.status == Engagement.Status.AWAITING_PAYMENT


def test_the_same_event_five_times_has_one_effect(client, fake, capture, paid):
    event = events_of(fake, "checkout.session.completed")[0]
    for _ in range(5):
        with capture(execute=True):
            assert post_event(client, event).status_code == 200

    assert StripeEvent.objects.count() == 1
    assert received(paid) == [D("1200.00")]
    assert Notification.objects.filter(kind="copayment_received").count() == 2  # firm, agency


ORDERS = list(
    itertools.permutations(
        ["checkout.session.completed", "payment_intent.succeeded", "charge.refunded"]
    )
)


@pytest.mark.parametrize("order", ORDERS, ids=["→".join(o) for o in ORDERS])
def test_every_order_of_payment_and_refund_events_ends_the_same(client, fake, capture, paid, order):
    # A refund made in Stripe's dashboard after the payment, before any event arrived.
    stripe_client = payments.gateway.client()
    charge = fake.objects("charge")[0]
    stripe_client.v1.refunds.create(params={"charge": charge["id"], "amount": 50000})
    events = {event["type"]: event for event in fake.pending_events()}

    for kind in order:
        with capture(execute=True):
            assert post_event(client, events[kind]).status_code == 200

    paid.refresh_from_db()
    assert paid.status == Engagement.Status.ACTIVE
    assert received(paid) == [D("1200.00")]
    refund = Refund.objects.get(engagement=paid)
    assert (refund.amount, refund.status) == (D("500.00"), Refund.Status.SUCCEEDED)
    assert ledger.copay_held(paid) == D("700.00")
    assert reconciliation.reconcile().balanced


# --- Refunds -------------------------------------------------------------------------------


def test_cancellation_refunds_through_stripe_and_the_webhook_confirms(
    client, fake, capture, paid, personas
):
    deliver_all(client, fake, capture)
    paid.refresh_from_db()
    with capture(execute=True):
        actions.engagement_cancel(engagement=paid, by=personas.officer, reason="企业注销")

    refund = Refund.objects.get(engagement=paid)
    assert refund.status == Refund.Status.PENDING  # asked for, not yet confirmed
    assert refund.stripe_refund_id == fake.objects("refund")[0]["id"]
    assert fake.objects("refund")[0]["amount"] == 120000
    assert not LedgerEntry.objects.filter(kind=Kind.COPAY_REFUNDED).exists()

    deliver_all(client, fake, capture)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert ledger.copay_held(paid) == D("0.00")
    assert reconciliation.reconcile().balanced
    assert ledger.differences(paid.programme_year) == []


def test_a_refund_call_answered_500_is_retried_with_the_same_key(
    client, fake, capture, paid, personas
):
    deliver_all(client, fake, capture)
    paid.refresh_from_db()
    fake.fail_next("POST", "/v1/refunds", status=500, after_effect=True)
    with capture(execute=True):
        actions.engagement_cancel(engagement=paid, by=personas.officer, reason="企业注销")

    assert len(fake.objects("refund")) == 1
    refund = Refund.objects.get(engagement=paid)
    assert refund.stripe_refund_id == fake.objects("refund")[0]["id"]
    keys = {r.idempotency_key for r in fake.requests if r.path == "/v1/refunds"}
    assert keys == {refund.idempotency_key}


def test_a_payment_arriving_after_the_engagement_lapsed_is_refunded(
    client, fake, capture, paid, personas
):
    with capture(execute=True):
        payments.copayments_chase(now=paid.copayment.due_by)
    paid.refresh_from_db()
    assert paid.status == Engagement.Status.CANCELLED

    deliver_all(client, fake, capture)

    assert received(paid) == [D("1200.00")]
    assert Refund.objects.get(engagement=paid).status == Refund.Status.SUCCEEDED
    assert ledger.copay_held(paid) == D("0.00")
    paid.refresh_from_db()
    assert paid.status == Engagement.Status.CANCELLED


# --- Payouts -------------------------------------------------------------------------------


def connect(client, fake, capture, personas):
    """The agency connects its payout account; the programme funds its Stripe balance."""
    fake.top_up(10_000_00)
    client.force_login(personas.agency_consultant)
    response = client.post(reverse("frontend:agency-payouts-connect"))
    assert response.status_code == 302 and response["Location"].startswith(fake.url)
    account = PaymentAccount.objects.get(agency=personas.agency)
    fake.complete_onboarding(account.stripe_account_id)
    deliver_all(client, fake, capture)
    account.refresh_from_db()
    assert account.payouts_enabled
    return account


def settled(client, fake, capture, engagement, personas):
    deliver_all(client, fake, capture)
    engagement.refresh_from_db()
    deliver(engagement, personas)
    with capture(execute=True):
        return settle(engagement, personas)


def test_an_approved_settlement_pays_the_agency_once(client, fake, capture, paid, personas):
    account = connect(client, fake, capture, personas)
    settlement = settled(client, fake, capture, paid, personas)

    payout = Payout.objects.get(settlement=settlement)
    assert payout.status == Payout.Status.SENT
    assert payout.amount == D("6000.00")  # the government's ¥4,800 and the firm's ¥1,200
    (transfer,) = fake.objects("transfer")
    assert (transfer["destination"], transfer["amount"]) == (account.stripe_account_id, 600000)
    assert payments.payout_send(payout.pk).status == Payout.Status.SENT
    assert len(fake.objects("transfer")) == 1
    deliver_all(client, fake, capture)
    assert reconciliation.reconcile().balanced
    assert ledger.differences(paid.programme_year) == []


def test_a_payout_without_a_connected_account_waits_and_says_why(
    client, fake, capture, paid, personas
):
    settlement = settled(client, fake, capture, paid, personas)

    payout = Payout.objects.get(settlement=settlement)
    assert payout.status == Payout.Status.BLOCKED
    assert "has not connected a payout account" in payout.last_error
    assert not fake.objects("transfer")
    settlement.refresh_from_db()
    assert settlement.status == "approved"
    assert Notification.objects.filter(user=personas.officer, kind="payout_blocked").exists()
    client.force_login(personas.officer)
    desk = client.get(reverse("frontend:payments-office"))
    assert "has not connected a payout account" in desk.content.decode()

    # Once the agency connects, Stripe's account.updated releases the payout.
    connect(client, fake, capture, personas)
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SENT
    assert len(fake.objects("transfer")) == 1


def test_a_transfer_that_times_out_is_retried_with_the_same_key(
    client, fake, capture, paid, personas
):
    connect(client, fake, capture, personas)
    fake.delay_next("POST", "/v1/transfers", seconds=3, after_effect=True)
    settlement = settled(client, fake, capture, paid, personas)

    payout = Payout.objects.get(settlement=settlement)
    assert payout.status == Payout.Status.SENT
    assert len(fake.objects("transfer")) == 1
    assert payout.stripe_transfer_id == fake.objects("transfer")[0]["id"]


def test_a_failing_transfer_is_shown_to_the_officer_and_retried(
    client, fake, capture, paid, personas
):
    connect(client, fake, capture, personas)
    fake.fail_next("POST", "/v1/transfers", status=500, times=3)
    settlement = settled(client, fake, capture, paid, personas)

    payout = Payout.objects.get(settlement=settlement)
    assert payout.status == Payout.Status.FAILED
    assert payout.attempts == 1
    assert Notification.objects.filter(user=personas.officer, kind="payout_failed").exists()
    assert not fake.objects("transfer")

    client.force_login(personas.officer)
    retried = client.post(reverse("frontend:payout-retry", args=[paid.pk]))
    assert retried.status_code == 302
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SENT
    assert len(fake.objects("transfer")) == 1
    first = [r for r in fake.requests if r.path == "/v1/transfers" and r.status == 500]
    # The SDK's own retries reused one key; the officer's retry took a new one after
    # checking that no transfer of this payout exists.
    assert len(first) == 3 and len({r.idempotency_key for r in first}) == 1
    assert payout.idempotency_key != first[0].idempotency_key


def test_a_retry_after_a_lost_answer_finds_the_transfer_instead_of_making_another(
    client, fake, capture, paid, personas
):
    connect(client, fake, capture, personas)
    # Stripe made the transfer but every answer was lost: the SDK gives up with an error.
    fake.fail_next("POST", "/v1/transfers", status=500, times=3, after_effect=True)
    settlement = settled(client, fake, capture, paid, personas)
    payout = Payout.objects.get(settlement=settlement)
    fake.forget_idempotency_keys()  # a day later, the stored answer is gone

    assert payments.payout_send(payout.pk).status == Payout.Status.SENT

    (transfer,) = fake.objects("transfer")
    payout.refresh_from_db()
    assert payout.stripe_transfer_id == transfer["id"]
    assert LedgerEntry.objects.filter(kind=Kind.PAYOUT_SENT).count() == 1


# --- The whole journey, replay and reconciliation -------------------------------------------


def test_full_journey_reconciles_and_replays_without_effect(
    client, fake, capture, engagement, personas, programme
):
    connect(client, fake, capture, personas)
    url = checkout(client, engagement, personas.firm_member, capture)
    fake.pay(session_id(url))
    deliver_all(client, fake, capture)
    engagement.refresh_from_db()
    deliver(engagement, personas, units=2)  # ¥2,000 of ¥6,000 delivered
    with capture(execute=True):
        settle(engagement, personas)
    deliver_all(client, fake, capture)

    before = list(LedgerEntry.objects.values_list("key", "amount").order_by("pk"))
    assert dict(ledger.totals_by_kind(LedgerEntry.objects.all())) | {} == {
        **{kind: D("0.00") for kind in Kind.values},
        Kind.BUDGET_RESERVED: D("4800.00"),
        Kind.COPAY_RECEIVED: D("1200.00"),
        Kind.BUDGET_SETTLED: D("1600.00"),
        Kind.BUDGET_RELEASED: D("3200.00"),
        Kind.COPAY_EARNED: D("400.00"),
        Kind.COPAY_REFUNDED: D("800.00"),
        Kind.PAYOUT_SENT: D("2000.00"),
    }
    report = reconciliation.reconcile()
    assert report.balanced and report.objects_compared == 3
    assert ledger.differences(programme) == []

    with capture(execute=True):
        call_command("stripe_replay")
    assert list(LedgerEntry.objects.values_list("key", "amount").order_by("pk")) == before

    client.force_login(personas.officer)
    page = client.get(reverse("frontend:payments-reconciliation"))
    assert b'data-testid="reconciliation-balanced"' in page.content


def test_reconciliation_lists_what_the_ledger_has_not_seen(client, fake, capture, paid):
    deliver_all(client, fake, capture)
    charge = fake.objects("charge")[0]
    refund = payments.gateway.client().v1.refunds.create(
        params={"charge": charge["id"], "amount": 10000}
    )

    report = reconciliation.reconcile()

    assert [(d.stripe_object_id, d.stripe_amount, d.ledger_amount) for d in report.differences] == [
        (refund.id, D("-100.00"), D("0.00"))
    ]


def test_the_webhook_is_closed_without_keys(client, settings):
    settings.STRIPE_SECRET_KEY = ""
    assert (
        client.post(
            "/payments/stripe/webhook/", data=b"{}", content_type="application/json"
        ).status_code
        == 503
    )


def test_stripe_replay_since_a_date_reprocesses_only_later_events(client, fake, capture, paid):
    from io import StringIO

    from django.core.management.base import CommandError

    deliver_all(client, fake, capture)
    out = StringIO()
    with capture(execute=True):
        call_command("stripe_replay", "--since", "2000-01-01", stdout=out)
    assert out.getvalue().startswith(f"{StripeEvent.objects.count()} events re-processed")
    out = StringIO()
    call_command("stripe_replay", "--since", "2999-01-01T00:00:00", stdout=out)
    assert out.getvalue().startswith("0 events")
    with pytest.raises(CommandError, match="--since"):
        call_command("stripe_replay", "--since", "yesterday")
    assert received(paid) == [D("1200.00")]
