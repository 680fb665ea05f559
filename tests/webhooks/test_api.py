"""The webhook routes of the API: the secret is shown once, bad input names its field, a rival
agency gets 404, replay sends the same event again."""

import json

import pytest
from rest_framework.test import APIClient

from webhooks import actions
from webhooks.models import Delivery, Endpoint, EventType

pytestmark = pytest.mark.usefixtures("local_hooks")


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_register_list_and_rotate(personas):
    client = _client(personas.agency_consultant)
    created = client.post(
        "/api/v1/webhook-endpoints/",
        {"url": "http://127.0.0.1:9/in", "events": ["offer.received", "payout.sent"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["agency"] == personas.agency.pk
    listed = client.get("/api/v1/webhook-endpoints/").json()
    assert "secret" not in listed["results"][0]
    assert listed["results"][0]["secret_hint"] == "…" + body["secret"][-4:]
    rotated = client.post(f"/api/v1/webhook-endpoints/{body['id']}/rotate-secret/")
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != body["secret"]
    assert Endpoint.objects.get().secret == rotated.json()["secret"]


def test_bad_input_names_the_field(personas, settings):
    settings.WEBHOOKS_ALLOW_LOCAL = False
    client = _client(personas.agency_consultant)
    answer = client.post(
        "/api/v1/webhook-endpoints/",
        {"url": "http://127.0.0.1/in", "events": ["offer.received"]},
        format="json",
    )
    assert answer.status_code == 400
    assert "url" in json.dumps(answer.json())
    answer = client.post(
        "/api/v1/webhook-endpoints/",
        {"url": "https://127.0.0.1/in", "events": ["no.such_event"]},
        format="json",
    )
    assert answer.status_code == 400
    assert "events" in json.dumps(answer.json())
    assert not Endpoint.objects.exists()


def test_a_rival_agency_and_the_office_get_404(personas):
    endpoint = actions.endpoint_create(
        agency=personas.agency,
        url="http://127.0.0.1:9/in",
        events=[EventType.OFFER_RECEIVED],
        by=personas.agency_consultant,
    )
    for user in (personas.rival_consultant, personas.officer):
        client = _client(user)
        assert client.get(f"/api/v1/webhook-endpoints/{endpoint.pk}/").status_code == 404
        assert (
            client.patch(
                f"/api/v1/webhook-endpoints/{endpoint.pk}/", {"active": False}, format="json"
            ).status_code
            == 404
        )
        assert client.delete(f"/api/v1/webhook-endpoints/{endpoint.pk}/").status_code == 404
        assert client.get("/api/v1/webhook-endpoints/").json()["count"] == 0
    assert _client(personas.firm_member).get("/api/v1/webhook-endpoints/").status_code == 403
    assert Endpoint.objects.get().active


def test_the_office_registers_its_own(personas):
    client = _client(personas.officer)
    created = client.post(
        "/api/v1/webhook-endpoints/",
        {"url": "http://127.0.0.1:9/office", "events": ["settlement.approved"]},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["agency"] is None
    assert (
        _client(personas.agency_consultant).get("/api/v1/webhook-endpoints/").json()["count"] == 0
    )


def test_update_pause_and_delete(personas):
    client = _client(personas.agency_consultant)
    endpoint = actions.endpoint_create(
        agency=personas.agency,
        url="http://127.0.0.1:9/in",
        events=[EventType.OFFER_RECEIVED],
        by=personas.agency_consultant,
    )
    changed = client.patch(
        f"/api/v1/webhook-endpoints/{endpoint.pk}/",
        {"active": False, "events": ["deadline.missed", "deadline.due_soon"]},
        format="json",
    )
    assert changed.status_code == 200
    assert changed.json()["active"] is False
    assert changed.json()["events"] == ["deadline.due_soon", "deadline.missed"]
    assert client.delete(f"/api/v1/webhook-endpoints/{endpoint.pk}/").status_code == 204
    assert not Endpoint.objects.exists()


def test_replay_sends_the_same_event_again(personas, receiver, django_capture_on_commit_callbacks):
    receiver.start()
    endpoint = actions.endpoint_create(
        agency=personas.agency,
        url=receiver.url,
        events=[EventType.OFFER_RECEIVED],
        by=personas.agency_consultant,
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.event_record(
            type=EventType.OFFER_RECEIVED,
            agency_id=personas.agency.pk,
            object_key="offer:5",
            describe=lambda: {"offer_id": 5},
        )
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.status == Delivery.Status.DELIVERED
    client = _client(personas.agency_consultant)
    listed = client.get("/api/v1/webhook-deliveries/").json()
    assert listed["results"][0]["log"][0]["status_code"] == 200
    assert (
        _client(personas.rival_consultant)
        .post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay/")
        .status_code
        == 404
    )
    with django_capture_on_commit_callbacks(execute=True):
        replayed = client.post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay/")
    assert replayed.status_code == 202
    assert len(receiver.received) == 2
    ids = {request["headers"]["X-Webhook-Id"] for request in receiver.received}
    assert ids == {listed["results"][0]["event_id"]}
    detail = client.get(f"/api/v1/webhook-deliveries/{delivery.pk}/").json()
    assert detail["status"] == "delivered"
    assert [attempt["status_code"] for attempt in detail["log"]] == [200, 200]
