"""Every event type comes from what the product already records: actions' audit events and
the scheduled jobs' notices (offer expiring, deadline due soon, deadline missed), with no call
of their own; each reaches the agency concerned."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from custody import actions as custody_actions
from custody.payments import actions as payments
from custody.payments.models import LedgerEntry, Payout
from marketplace import actions
from tests.custody.deadline_helpers import trademark_renewal
from tests.custody.payments.conftest import (
    deliver,
    engage,
    programme,  # noqa: F401 (fixture reused here)
    settle,
)
from webhooks import actions as webhook_actions
from webhooks.models import Event, EventType

pytestmark = pytest.mark.usefixtures("local_hooks")


@pytest.fixture
def listening(personas):
    """The agency listens to every event."""
    return webhook_actions.endpoint_create(
        agency=personas.agency,
        url="http://127.0.0.1:9/all",
        events=list(EventType.values),
        by=personas.agency_consultant,
    )


def _events(type):  # noqa: A002 - the event's type
    return list(Event.objects.filter(type=type).order_by("pk"))


def _pay(engagement, personas, kind, amount, reference):
    payments.offline_payment_record(
        engagement=engagement,
        by=personas.officer,
        kind=kind,
        amount=Decimal(amount),
        reference=reference,
        value_date=timezone.localdate(),
    )


def test_services_settlement_and_payout(personas, programme, listening):  # noqa: F811
    engagement = engage(personas, programme)
    _pay(engagement, personas, LedgerEntry.Kind.COPAY_RECEIVED, "1200.00", "BANK-1")
    engagement.refresh_from_db()
    line = engagement.items.order_by("pk").first()
    disputed = custody_actions.service_record_log(
        engagement=engagement,
        item=line,
        quantity=1,
        delivered_on=engagement.starts_on,
        description="检索报告",
        by=personas.agency_consultant,
        today=engagement.starts_on,
    )
    custody_actions.service_record_dispute(
        record=disputed, by=personas.firm_member, reason="未收到"
    )
    deliver(engagement, personas, units=1)
    settlement = settle(engagement, personas)
    payout = Payout.objects.get(settlement=settlement)
    _pay(engagement, personas, LedgerEntry.Kind.PAYOUT_SENT, str(payout.amount), "PAYOUT-1")

    [dispute] = _events(EventType.SERVICE_RECORD_DISPUTED)
    assert dispute.object_key == f"service_record:{disputed.pk}"
    assert dispute.payload["data"]["reason"] == "未收到"
    [confirmed] = _events(EventType.SERVICE_RECORD_CONFIRMED)
    assert confirmed.payload["data"]["engagement_id"] == engagement.pk
    [approved] = _events(EventType.SETTLEMENT_APPROVED)
    assert approved.payload["data"]["settlement_id"] == settlement.pk
    [sent] = _events(EventType.PAYOUT_SENT)
    assert sent.payload["data"] == sent.payload["data"] | {
        "payout_id": payout.pk,
        "amount": str(payout.amount),
        "method": "offline",
    }
    # awaiting the co-payment, active, completed: each move once, in order.
    moves = [e.payload["data"]["to_status"] for e in _events(EventType.ENGAGEMENT_STATUS_CHANGED)]
    assert moves == ["awaiting_payment", "active", "completed"]
    assert {e.agency_id for e in Event.objects.all()} == {personas.agency.pk}
    assert all(e.deliveries.get().endpoint == listening for e in Event.objects.all())


def test_the_scheduled_jobs_events(personas, programme, listening):  # noqa: F811
    engagement = engage(personas, programme)
    _pay(engagement, personas, LedgerEntry.Kind.COPAY_RECEIVED, "1200.00", "BANK-1")
    today = timezone.localdate()
    renewal = trademark_renewal(
        personas.firm, personas.firm_member, registered=today - datetime.timedelta(days=3640)
    )
    remind_on = renewal.due_on - datetime.timedelta(days=30)
    assert custody_actions.deadline_reminders_send(today=remind_on) == 1
    [due] = _events(EventType.DEADLINE_DUE_SOON)
    assert (due.agency_id, due.object_key) == (personas.agency.pk, f"deadline:{renewal.pk}")
    assert due.payload["data"]["days_left"] == 30

    missed_on = renewal.grace_ends_on + datetime.timedelta(days=1)
    assert custody_actions.deadlines_flag_missed(today=missed_on) == 1
    [missed] = _events(EventType.DEADLINE_MISSED)
    assert (missed.agency_id, missed.object_key) == (personas.agency.pk, f"deadline:{renewal.pk}")

    request = actions.request_submit(
        firm=personas.other_firm,
        by=personas.other_firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    offer = actions.offer_make(
        request=request, agency=personas.agency, by=personas.other_firm_member
    )
    assert actions.offers_warn_expiring(now=offer.respond_by - datetime.timedelta(hours=1)) == 1
    [expiring] = _events(EventType.OFFER_EXPIRING)
    assert expiring.object_key == f"offer:{offer.pk}"
    assert expiring.payload["data"]["firm_id"] == personas.other_firm.pk
    assert [
        e.type for e in Event.objects.filter(object_key=f"offer:{offer.pk}").order_by("pk")
    ] == [
        EventType.OFFER_RECEIVED,
        EventType.OFFER_EXPIRING,
    ]
