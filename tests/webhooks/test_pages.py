"""The webhook settings pages, in both languages: register (secret shown once), edit, rotate,
replay, and a rival agency's endpoint is 404."""

import pytest
from django.test import Client

from webhooks import actions
from webhooks.models import Delivery, Endpoint, EventType

pytestmark = pytest.mark.usefixtures("local_hooks")


def _client(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.mark.parametrize(("language", "title"), [("en", "Webhooks"), ("zh-hans", "Webhook")])
def test_register_from_the_page_shows_the_secret_once(personas, language, title):
    client = _client(personas.agency_consultant, language)
    page = client.get("/settings/webhooks/")
    assert page.status_code == 200
    assert title in page.content.decode()
    answer = client.post(
        "/settings/webhooks/",
        {"url": "http://127.0.0.1:9/in", "events": ["offer.received", "payout.sent"]},
    )
    assert answer.status_code == 201
    endpoint = Endpoint.objects.get()
    assert endpoint.secret in answer.content.decode()
    again = client.get(f"/settings/webhooks/{endpoint.pk}/")
    assert endpoint.secret not in again.content.decode()
    assert endpoint.secret_hint in again.content.decode()


def test_a_refused_url_is_named_on_the_form(personas, settings):
    settings.WEBHOOKS_ALLOW_LOCAL = False
    client = _client(personas.agency_consultant)
    answer = client.post(
        "/settings/webhooks/", {"url": "https://10.0.0.1/in", "events": ["offer.received"]}
    )
    assert answer.status_code == 400
    assert "private address" in answer.content.decode()
    assert not Endpoint.objects.exists()


def test_edit_rotate_and_replay(personas, django_capture_on_commit_callbacks):
    endpoint = actions.endpoint_create(
        agency=personas.agency,
        url="http://127.0.0.1:9/in",
        events=[EventType.OFFER_RECEIVED],
        by=personas.agency_consultant,
    )
    client = _client(personas.agency_consultant)
    saved = client.post(
        f"/settings/webhooks/{endpoint.pk}/",
        {"url": "http://127.0.0.1:9/other", "events": ["deadline.missed"], "active": ""},
    )
    assert saved.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.active) == (
        "http://127.0.0.1:9/other",
        ["deadline.missed"],
        False,
    )
    old = endpoint.secret
    rotated = client.post(f"/settings/webhooks/{endpoint.pk}/rotate/")
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in rotated.content.decode()
    actions.endpoint_update(endpoint=endpoint, by=personas.agency_consultant, active=True)
    actions.event_record(
        type=EventType.DEADLINE_MISSED,
        agency_id=personas.agency.pk,
        object_key="deadline:3",
        describe=lambda: {"deadline_id": 3},
    )
    delivery = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        replay = client.post(f"/settings/webhooks/deliveries/{delivery.pk}/replay/")
    assert replay.status_code == 302
    delivery.refresh_from_db()
    assert delivery.attempts == 1  # sent now (the receiver is down: logged, retried later)
    page = client.get(f"/settings/webhooks/{endpoint.pk}/").content.decode()
    assert "deadline.missed" in page and "Connection" in page


def test_a_rival_agency_gets_404(personas):
    endpoint = actions.endpoint_create(
        agency=personas.agency,
        url="http://127.0.0.1:9/in",
        events=[EventType.OFFER_RECEIVED],
        by=personas.agency_consultant,
    )
    rival = _client(personas.rival_consultant)
    assert rival.get(f"/settings/webhooks/{endpoint.pk}/").status_code == 404
    assert rival.post(f"/settings/webhooks/{endpoint.pk}/delete/").status_code == 404
    assert Endpoint.objects.exists()
    assert _client(personas.firm_member).get("/settings/webhooks/").status_code == 403


def test_the_guide_is_served_in_both_languages_with_the_tested_snippet(client):
    english = client.get("/api/guide/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get("/api/guide/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Developer guide" in english and "开发者指南" in chinese
    for page in (english, chinese):
        assert "def verify_webhook(secret, body, headers, now=None):" in page
        assert "updated_since" in page and "/api/v1/auth/token/" in page
        assert "application/problem+json" in page and "Idempotency-Key" in page
    assert "/api/guide/" in client.get("/api/schema/").content.decode()
