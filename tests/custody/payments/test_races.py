"""Concurrent deliveries and retries on PostgreSQL: money moves once."""

from django.test import Client

from custody.payments import actions as payments
from custody.payments import webhooks
from custody.payments.models import LedgerEntry, PaymentAccount, Payout, StripeEvent
from marketplace.models import Engagement
from tests.custody.payments.conftest import deliver, settle
from tests.custody.payments.stripe_helpers import checkout, post_event
from tests.custody.payments.test_stripe import fake, session_id  # noqa: F401 (fixture)
from tests.races import RACE_MARKS, postgres_only, race  # noqa: F401 (autouse fixture)

pytestmark = RACE_MARKS


def _paid(fake, engagement, personas):  # noqa: F811
    url = checkout(Client(), engagement, personas.firm_member, _run_at_once)
    fake.pay(session_id(url))


class _run_at_once:  # noqa: N801 - stands in for django_capture_on_commit_callbacks
    """With real transactions, on_commit callbacks run by themselves."""

    def __init__(self, execute=True):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


def test_one_event_delivered_five_times_at_once_is_stored_and_applied_once(
    fake,  # noqa: F811
    engagement,
    personas,
):
    _paid(fake, engagement, personas)
    event = next(e for e in fake.pending_events() if e["type"] == "checkout.session.completed")

    statuses = race([lambda: post_event(Client(), event).status_code] * 5)

    assert statuses == [200] * 5
    assert StripeEvent.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="copay_received").count() == 1


def test_the_three_payment_events_processed_at_once_record_one_payment(
    fake,  # noqa: F811
    engagement,
    personas,
):
    _paid(fake, engagement, personas)
    stored = [
        webhooks.receive(*fake.signed_event(event))[0]
        for event in fake.pending_events()
        if event["type"]
        in ("checkout.session.completed", "payment_intent.succeeded", "charge.succeeded")
    ]

    results = race([lambda pk=event.pk: webhooks.process(pk) for event in stored])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert LedgerEntry.objects.filter(kind="copay_received").count() == 1
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.ACTIVE


def test_a_payout_sent_by_two_workers_at_once_makes_one_transfer(
    fake,  # noqa: F811
    engagement,
    personas,
):
    fake.top_up(10_000_00)
    payments.offline_payment_record(
        engagement=engagement,
        by=personas.officer,
        kind="copay_received",
        amount=engagement.copay_amount,
        reference="RACE-1",
        value_date=engagement.starts_on,
    )
    engagement.refresh_from_db()
    deliver(engagement, personas)
    settle(engagement, personas)
    payout = Payout.objects.get(engagement=engagement)
    assert payout.status == Payout.Status.BLOCKED  # no account yet
    url = payments.connect_onboarding_link(
        agency=personas.agency,
        by=personas.agency_consultant,
        refresh_url="http://testserver/r",
        return_url="http://testserver/d",
    )
    assert url.startswith(fake.url)
    account = PaymentAccount.objects.get(agency=personas.agency)
    fake.complete_onboarding(account.stripe_account_id)
    PaymentAccount.objects.filter(pk=account.pk).update(payouts_enabled=True)

    race([lambda: payments.payout_send(payout.pk)] * 4)

    assert len(fake.objects("transfer")) == 1
    assert LedgerEntry.objects.filter(kind="payout_sent").count() == 1
