import json
import logging

import pytest

from config import health
from config.observability import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_each_dependency_of_this_profile(client, settings):
    response = client.get("/readyz")
    assert response.status_code == 200
    expected = {"database"} | (
        {"cache", "channel_layer", "celery"} if settings.REDIS_URL else set()
    )
    assert response.json() == {"status": "ok", "checks": dict.fromkeys(expected, "ok")}


def test_readyz_names_a_failed_dependency_with_503(client, monkeypatch):
    def broken():
        raise ConnectionError("postgres://user:secret@db/prod refused")

    monkeypatch.setattr(health, "checks", lambda: [("database", broken)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "failed"}}


def test_every_response_carries_a_request_id_and_keeps_a_sane_one_offered(client):
    fresh = client.get("/healthz")
    assert len(fresh["X-Request-ID"]) == 32
    kept = client.get("/healthz", headers={"X-Request-ID": "edge-1234abcd"})
    assert kept["X-Request-ID"] == "edge-1234abcd"
    # Anything else a client sends is replaced, never echoed into logs.
    forged = client.get("/healthz", headers={"X-Request-ID": "x\nINFO forged line"})
    assert forged["X-Request-ID"] != "x\nINFO forged line"


def test_log_records_of_a_request_carry_its_id_as_json(client, monkeypatch):
    seen = []

    def logging_check():
        record = logging.LogRecord("t", logging.INFO, __file__, 1, "probe %s", ("ok",), None)
        RequestIdFilter().filter(record)
        seen.append(json.loads(JsonFormatter().format(record)))

    monkeypatch.setattr(health, "checks", lambda: [("database", logging_check)])
    response = client.get("/readyz", headers={"X-Request-ID": "trace-abcdef12"})
    assert response.status_code == 200
    assert seen == [
        {
            "time": seen[0]["time"],
            "level": "INFO",
            "logger": "t",
            "message": "probe ok",
            "request_id": "trace-abcdef12",
        }
    ]
