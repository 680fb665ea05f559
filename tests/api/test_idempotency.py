"""Idempotency-Key on every POST (issue #17): a retry gets the first answer, never a second write."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from core.api.idempotency import IdempotentMixin
from core.api.views import API_NOT_FOUND
from core.models import IdempotencyKey
from core.tasks import purge_idempotency_keys
from custody.api import assets as assets_api
from custody.models import IPAsset
from tests.custody.conftest import patent_fields
from tests.problems import field_errors, problem_of

pytestmark = pytest.mark.django_db

ASSETS = "/api/v1/assets/"


def _asset(firm, **overrides):
    fields = patent_fields(**overrides)
    return {
        "firm": firm.pk,
        **{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in fields.items()},
    }


def _post(client, body, key, path=ASSETS):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_the_same_key_and_body_returns_the_first_answer(api, personas):
    client = api(personas.firm_member)
    first = _post(client, _asset(personas.firm), "create-patent-1")
    again = _post(client, _asset(personas.firm), "create-patent-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert IPAsset.objects.count() == 1


def test_without_a_key_a_retry_runs_again(api, personas):
    client = api(personas.firm_member)
    assert client.post(ASSETS, _asset(personas.firm), format="json").status_code == 201
    assert client.post(ASSETS, _asset(personas.firm), format="json").status_code == 400


def test_a_refusal_is_the_first_answer_too(api, personas):
    client = api(personas.firm_member)
    body = _asset(personas.firm, number="CN200910005164.3")  # a wrong check digit
    first = _post(client, body, "bad-number")
    again = _post(client, body, "bad-number")
    problem_of(first, 400, "invalid")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again["Content-Type"].startswith("application/problem+json")


def test_the_same_key_with_another_body_is_a_422_problem(api, personas):
    client = api(personas.firm_member)
    assert _post(client, _asset(personas.firm), "k").status_code == 201
    other = _asset(personas.firm, title="另一项专利")
    problem_of(_post(client, other, "k"), 422, "idempotency_key_reused")
    on_another_route = _post(client, {}, "k", path="/api/v1/notifications/read-all/")
    problem_of(on_another_route, 422, "idempotency_key_reused")
    assert IPAsset.objects.count() == 1


def test_a_retry_while_the_first_still_runs_is_a_409_problem(api, personas):
    client = api(personas.firm_member)
    body = _asset(personas.firm)
    assert _post(client, body, "busy").status_code == 201
    # What a first request that has not finished leaves: its claim, in progress.
    IdempotencyKey.objects.filter(key="busy").update(
        state=IdempotencyKey.State.IN_PROGRESS, response_status=None, response_body=None
    )
    problem_of(_post(client, body, "busy"), 409, "idempotency_key_in_use")
    assert IPAsset.objects.count() == 1


def test_keys_are_kept_per_user(api, personas):
    assert _post(api(personas.firm_member), _asset(personas.firm), "shared").status_code == 201
    theirs = _post(api(personas.other_firm_member), _asset(personas.other_firm), "shared")
    assert theirs.status_code == 201
    assert not theirs.has_header("Idempotent-Replayed")
    assert IPAsset.objects.count() == 2


def test_a_server_error_keeps_no_answer_so_the_retry_runs(personas, monkeypatch):
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas.firm_member)
    real = assets_api.actions.asset_create

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(assets_api.actions, "asset_create", broken)
    body = {"path": ASSETS, "data": _asset(personas.firm), "content_type": "application/json"}
    assert client.post(**body, HTTP_IDEMPOTENCY_KEY="retry-me").status_code == 500
    assert not IdempotencyKey.objects.exists()
    monkeypatch.setattr(assets_api.actions, "asset_create", real)
    assert client.post(**body, HTTP_IDEMPOTENCY_KEY="retry-me").status_code == 201


def test_a_key_that_is_not_printable_ascii_is_a_400_naming_the_header(api, personas):
    response = _post(api(personas.firm_member), _asset(personas.firm), "密钥")
    problem_of(response, 400, "invalid")
    assert list(field_errors(response)) == ["Idempotency-Key"]
    too_long = _post(api(personas.firm_member), _asset(personas.firm), "k" * 256)
    problem_of(too_long, 400, "invalid")
    assert not IPAsset.objects.exists()


def test_a_multipart_retry_is_recognised_by_its_files(api, personas):
    client = api(personas.firm_member)
    header = "kind,number,title,filing_date,grant_date,status,nice_classes,registration_date\n"
    row = "patent,CN200910005164.2,一种装置,2015-10-01,2018-05-04,in_force,,\n"

    def upload(text, key):
        csv = SimpleUploadedFile("portfolio.csv", (header + text).encode(), "text/csv")
        return client.post(
            f"{ASSETS}import/",
            {"firm": personas.firm.pk, "file": csv},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    first = upload(row, "import-1")
    again = upload(row, "import-1")
    assert first.json() == again.json() == {"created": 1, "updated": 0}
    assert again["Idempotent-Replayed"] == "true"
    problem_of(
        upload(row.replace("一种装置", "另一装置"), "import-1"), 422, "idempotency_key_reused"
    )


def test_keys_expire_after_a_day_and_the_hourly_job_purges_them(api, personas):
    client = api(personas.firm_member)
    assert _post(client, _asset(personas.firm), "old").status_code == 201
    assert "core.purge_idempotency_keys" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=23), tick=False):
        assert purge_idempotency_keys() == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25), tick=False):
        other = _asset(personas.firm, title="另一项专利")
        # A day later the key is free: another body under it runs (and is refused as a
        # duplicate number by the portfolio, not by the key).
        assert _post(client, other, "old").status_code == 400
        IdempotencyKey.objects.filter(key="old").update(
            created_at=timezone.now() - datetime.timedelta(hours=25)
        )
        assert purge_idempotency_keys() == 1
    assert not IdempotencyKey.objects.exists()


def _api_views(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern, route)
        elif (
            isinstance(pattern, URLPattern)
            and route.lstrip("^").startswith("api/")
            and pattern.name not in API_NOT_FOUND  # the catch-alls answer 404 to every method
        ):
            yield route, pattern.callback


def test_every_post_route_of_a_signed_in_caller_honours_the_key():
    missing = []
    for route, callback in _api_views():
        view = getattr(callback, "cls", None)
        actions = getattr(callback, "actions", None) or {}
        posts = "post" in actions or (view is not None and hasattr(view, "post") and not actions)
        # A view with no authentication (the token exchange) has no user to keep keys for.
        if view is None or not posts or not view.authentication_classes:
            continue
        if not issubclass(view, IdempotentMixin):
            missing.append(route)
    assert missing == []
