"""Concurrent duplicates with one Idempotency-Key on PostgreSQL: one runs, the other is a 409."""

import threading

from rest_framework.test import APIClient

from core.models import IdempotencyKey
from custody.api import assets as assets_api
from custody.models import IPAsset
from tests.custody.conftest import patent_fields
from tests.problems import problem_of
from tests.races import RACE_MARKS, postgres_only, race  # noqa: F401 (autouse fixture)

pytestmark = RACE_MARKS


def test_a_concurrent_duplicate_is_a_409_and_only_one_asset_is_written(personas, monkeypatch):
    fields = patent_fields()
    body = {
        "firm": personas.firm.pk,
        **{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in fields.items()},
    }
    # The first request holds its claim while the duplicate arrives.
    inside, release = threading.Event(), threading.Event()
    real = assets_api.actions.asset_create

    def slow_create(**kwargs):
        inside.set()
        release.wait(timeout=20)
        return real(**kwargs)

    monkeypatch.setattr(assets_api.actions, "asset_create", slow_create)

    def send():
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(personas.firm_member)
        return client.post("/api/v1/assets/", body, format="json", HTTP_IDEMPOTENCY_KEY="once")

    def duplicate():
        inside.wait(timeout=20)
        try:
            return send()
        finally:
            release.set()

    first, second = race([send, duplicate])
    assert first.status_code == 201, first.content
    problem_of(second, 409, "idempotency_key_in_use")
    assert IPAsset.objects.count() == 1
    replay = send()
    assert (replay.status_code, replay.json()) == (201, first.json())
    assert IdempotencyKey.objects.get().state == IdempotencyKey.State.DONE


def test_simultaneous_claims_let_exactly_one_request_run(personas):
    fields = patent_fields()
    body = {
        "firm": personas.firm.pk,
        **{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in fields.items()},
    }

    def send():
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(personas.firm_member)
        return client.post("/api/v1/assets/", body, format="json", HTTP_IDEMPOTENCY_KEY="same")

    results = race([send] * 6)
    statuses = sorted(response.status_code for response in results)
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    assert IPAsset.objects.count() == 1
