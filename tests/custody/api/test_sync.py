"""Incremental sync and paging: updated_since, strict ordering, page_size."""

import datetime

import pytest
import time_machine

from custody import actions as custody_actions
from tests.marketplace.conftest import NOW
from tests.problems import field_errors

pytestmark = pytest.mark.django_db

URL = "/api/v1/service-records/"


def _log(engagement, personas, item):
    return custody_actions.service_record_log(
        engagement=engagement,
        item=item,
        quantity=1,
        delivered_on=NOW.date(),
        description="交付",
        by=personas.agency_consultant,
    )


def test_updated_since_returns_what_changed_including_state_moves(api, personas, engagement):
    first_day = NOW + datetime.timedelta(days=10)
    items = list(engagement.items.order_by("pk"))
    with time_machine.travel(first_day, tick=False):
        early = _log(engagement, personas, items[0])
        untouched = _log(engagement, personas, items[1])
    with time_machine.travel(first_day + datetime.timedelta(days=1), tick=False):
        custody_actions.service_record_confirm(record=early, by=personas.firm_member)
    since = (first_day + datetime.timedelta(hours=12)).isoformat()
    body = api(personas.agency_consultant).get(URL, {"updated_since": since}).json()
    assert [row["id"] for row in body["results"]] == [early.pk]
    assert body["results"][0]["status"] == "confirmed"
    assert untouched.pk not in {row["id"] for row in body["results"]}


@pytest.mark.parametrize("value", ["yesterday", "2026-03-01T08:00:00", "2026-13-01T00:00:00Z"])
def test_a_bad_instant_is_refused_by_name(api, personas, value):
    response = api(personas.firm_member).get(URL, {"updated_since": value})
    assert response.status_code == 400
    assert "updated_since" in field_errors(response)


def test_a_list_without_update_times_refuses_updated_since(api, personas):
    response = api(personas.officer).get(
        "/api/v1/audit-events/", {"updated_since": "2026-01-01T00:00Z"}
    )
    assert response.status_code == 400
    assert "updated_since" in field_errors(response)


@pytest.mark.parametrize("url", [URL, "/api/v1/offers/", "/api/v1/firms/"])
def test_an_unknown_ordering_is_refused(api, personas, url):
    response = api(personas.officer).get(url, {"ordering": "-nonsense"})
    assert response.status_code == 400
    assert "nonsense" in field_errors(response)["ordering"][0]


def test_page_size_is_honoured(api, personas, engagement):
    with time_machine.travel(NOW + datetime.timedelta(days=10), tick=False):
        for item in engagement.items.order_by("pk"):
            _log(engagement, personas, item)
    client = api(personas.agency_consultant)
    page = client.get(URL, {"page_size": 2, "ordering": "id"}).json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"]
    rest = client.get(URL, {"page_size": 2, "ordering": "id", "page": 2}).json()
    assert len(rest["results"]) == 1


def test_the_maximum_page_size_is_documented(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    parameters = schema["paths"]["/api/v1/deadlines/"]["get"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")
    assert page_size["schema"]["maximum"] == 200
    assert any(p["name"] == "updated_since" for p in parameters)
