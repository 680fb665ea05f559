"""Events are recorded with the change that causes them and delivered signed, once, in order per
object, after a receiver that was down for an hour comes back; every attempt is logged."""

import datetime
import json
import time

import pytest
import time_machine
from django.db import transaction

from core.audit import audit_record
from marketplace import actions as marketplace_actions
from tests.marketplace.conftest import NOW, programme  # noqa: F401 (fixture reused here)
from webhooks import actions
from webhooks.actions.deliveries import backoff
from webhooks.models import Attempt, Delivery, Event, EventType
from webhooks.verification import verify_webhook

pytestmark = pytest.mark.usefixtures("local_hooks")


def _endpoint(personas, url, events, agency="agency", by="agency_consultant"):
    return actions.endpoint_create(
        agency=getattr(personas, agency) if agency else None,
        url=url,
        events=events,
        by=getattr(personas, by),
    )


def _custody(personas, programme):  # noqa: F811
    request = marketplace_actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    offer = marketplace_actions.offer_make(
        request=request, agency=personas.agency, by=personas.firm_member
    )
    engagement = marketplace_actions.offer_accept(offer=offer, by=personas.agency_consultant)
    marketplace_actions.engagement_cancel(
        engagement=engagement, by=personas.officer, reason="firm closed"
    )
    return offer, engagement


def _received(receiver):
    return [json.loads(request["body"]) for request in receiver.received]


def test_a_receiver_down_for_an_hour_gets_each_event_once_in_order(
    personas,
    programme,  # noqa: F811
    receiver,
    django_capture_on_commit_callbacks,
):
    endpoint = _endpoint(
        personas,
        receiver.url,
        [EventType.OFFER_RECEIVED, EventType.ENGAGEMENT_STATUS_CHANGED],
    )
    with time_machine.travel(NOW, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            offer, engagement = _custody(personas, programme)
        events = list(Event.objects.order_by("pk"))
        assert [(e.type, e.object_key) for e in events] == [
            ("offer.received", f"offer:{offer.pk}"),
            ("engagement.status_changed", f"engagement:{engagement.pk}"),
            ("engagement.status_changed", f"engagement:{engagement.pk}"),
        ]
        started, cancelled = events[1], events[2]
        # Down: the first of each object was tried at once and refused; the engagement's later
        # event waits behind its earlier one and is not even tried.
        assert Attempt.objects.filter(delivery__event=cancelled).count() == 0
        assert Attempt.objects.filter(delivery__event=started).get().status_code is None
        # An hour of beat sweeps, every minute, with the receiver still down.
        for _minute in range(60):
            clock.shift(datetime.timedelta(minutes=1))
            assert actions.deliveries_flush() == 0
        tried = Delivery.objects.get(event=started)
        assert tried.status == Delivery.Status.PENDING
        assert 5 <= tried.attempts <= 9  # exponential back-off, not one try a minute
        assert Attempt.objects.filter(delivery__event=cancelled).count() == 0

        receiver.start()
        # Up again: the next sweep after the back-off delivers (never before it is due).
        due = Delivery.objects.get(event=started).next_attempt_at
        minutes = 0
        while actions.deliveries_flush() == 0:
            assert time.time() < due.timestamp()
            clock.shift(datetime.timedelta(minutes=1))
            minutes += 1
        assert minutes <= 60
        for _minute in range(5):
            clock.shift(datetime.timedelta(minutes=1))
            actions.deliveries_flush()

        got = _received(receiver)
        assert [body["id"] for body in got] == [str(e.uid) for e in events]
        assert [body["data"].get("to_status") for body in got[1:]] == [
            started.payload["data"]["to_status"],
            "cancelled",
        ]
        for request in receiver.received:
            assert verify_webhook(endpoint.secret, request["body"], request["headers"])
            assert request["headers"]["X-Webhook-Id"] == json.loads(request["body"])["id"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.DELIVERED}
    log = Attempt.objects.filter(delivery__event=started).order_by("at")
    assert log.last().status_code == 200
    assert all(attempt.error for attempt in log[: log.count() - 1])


def test_events_are_written_in_the_transaction_of_the_change(personas, programme):  # noqa: F811
    _endpoint(personas, "http://127.0.0.1:9/in", [EventType.OFFER_RECEIVED])
    request = marketplace_actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        marketplace_actions.offer_make(
            request=request, agency=personas.agency, by=personas.firm_member
        )
        raise RuntimeError("the change is rolled back")
    assert not Event.objects.exists()
    assert not Delivery.objects.exists()


def test_only_the_agency_concerned_and_the_office_hear_an_event(personas, programme):  # noqa: F811
    ours = _endpoint(personas, "http://127.0.0.1:9/a", [EventType.OFFER_RECEIVED])
    rivals = _endpoint(
        personas,
        "http://127.0.0.1:9/b",
        [EventType.OFFER_RECEIVED],
        agency="rival_agency",
        by="rival_consultant",
    )
    office = _endpoint(
        personas, "http://127.0.0.1:9/c", [EventType.OFFER_RECEIVED], agency=None, by="officer"
    )
    deaf = _endpoint(personas, "http://127.0.0.1:9/d", [EventType.PAYOUT_SENT])
    request = marketplace_actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    marketplace_actions.offer_make(request=request, agency=personas.agency, by=personas.firm_member)
    heard = set(Delivery.objects.values_list("endpoint_id", flat=True))
    assert heard == {ours.pk, office.pk}
    assert rivals.pk not in heard and deaf.pk not in heard


def test_no_listener_no_event(personas):
    audit_record(actor=None, action="agency.updated", subject=personas.agency)
    assert not Event.objects.exists()


def test_a_delivery_is_given_up_after_a_day(personas, receiver, django_capture_on_commit_callbacks):
    _endpoint(personas, receiver.url, [EventType.OFFER_RECEIVED])
    with time_machine.travel(NOW, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            actions.event_record(
                type=EventType.OFFER_RECEIVED,
                agency_id=personas.agency.pk,
                object_key="offer:7",
                describe=lambda: {"offer_id": 7},
            )
        for _hour in range(25):
            clock.shift(datetime.timedelta(hours=1))
            actions.deliveries_flush()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == Attempt.objects.filter(delivery=delivery).count() > 10


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20).total_seconds() == 3600
