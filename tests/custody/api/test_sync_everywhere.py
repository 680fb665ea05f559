"""Sync on every resource (issue #17 item 3): updated_at, updated_since and ordering on every
list, cursor paging, and deletions visible as tombstones."""

import datetime

import pytest
import time_machine
from django.test import Client

from custody import actions as custody_actions
from marketplace import actions as marketplace_actions
from marketplace.models import CustodyRequest, Engagement, Firm, Offer
from tests.custody.conftest import patent_fields
from tests.factories import FirmFactory
from tests.marketplace.conftest import NOW

pytestmark = pytest.mark.django_db

# Lists that are not resources with a life of their own: the append-only audit trail (its
# `since` parameter is its sync) and the deletions themselves (`updated_since` compares
# their deletion time).
NOT_SYNCED_BY_UPDATED_AT = {"/api/v1/audit-events/"}


@pytest.fixture(scope="module")
def schema():
    return Client().get("/api/schema/", {"format": "json"}).json()


def _lists(schema):
    for path, item in schema["paths"].items():
        operation = item.get("get")
        names = {p["name"] for p in (operation or {}).get("parameters", [])}
        if "page_size" in names:
            yield path, operation, names


def _rows_schema(schema, operation):
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][page.rsplit("/", 1)[1]]
    row = page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[1]
    return schema["components"]["schemas"][row]


def test_every_list_takes_updated_since_ordering_and_a_cursor(schema):
    missing = []
    lists = list(_lists(schema))
    assert len(lists) > 20
    for path, operation, names in lists:
        wanted = {"ordering", "cursor", "page_size"}
        if path not in NOT_SYNCED_BY_UPDATED_AT:
            wanted.add("updated_since")
        missing += [f"{path}: {name}" for name in sorted(wanted - names)]
        fields = set(_rows_schema(schema, operation)["properties"])
        if path not in NOT_SYNCED_BY_UPDATED_AT and not fields & {"updated_at", "deleted_at"}:
            missing.append(f"{path}: rows without updated_at")
    assert missing == []


def test_every_list_orders_by_updated_at_and_id(api, personas, schema):
    client = api(personas.officer)
    refused = []
    for path, _operation, _names in _lists(schema):
        if path in NOT_SYNCED_BY_UPDATED_AT or "{" in path:
            continue
        field = "deleted_at" if path.endswith("/deletions/") else "updated_at"
        response = client.get(path, {"ordering": f"-{field},id"})
        if response.status_code != 200:
            refused.append(f"{path}: {response.status_code}")
    assert refused == []


def test_marketplace_moves_show_in_updated_since(api, personas, engagement):
    client = api(personas.officer)
    later = NOW + datetime.timedelta(days=3)
    since = (later - datetime.timedelta(minutes=1)).isoformat()
    for path in ("/api/v1/engagements/", "/api/v1/offers/", "/api/v1/custody-requests/"):
        assert client.get(path, {"updated_since": since}).json()["count"] == 0
    with time_machine.travel(later, tick=False):
        marketplace_actions.engagement_cancel(
            engagement=engagement, by=personas.officer, reason="测试取消"
        )
    engagements = client.get("/api/v1/engagements/", {"updated_since": since}).json()
    assert [row["id"] for row in engagements["results"]] == [engagement.pk]
    assert engagements["results"][0]["status"] == Engagement.Status.CANCELLED
    assert engagements["results"][0]["updated_at"].startswith(later.date().isoformat())
    assert CustodyRequest.objects.get().updated_at >= Offer.objects.get().updated_at


def test_a_save_of_some_fields_still_moves_updated_at(api, personas):
    with time_machine.travel(NOW, tick=False):
        firm = FirmFactory(incubator=personas.incubator)
    before = Firm.objects.get(pk=firm.pk).updated_at
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        marketplace_actions.firm_verify(firm=firm, by=personas.incubator_manager)
    firm.refresh_from_db()
    assert firm.updated_at > before
    since = NOW.isoformat()
    rows = api(personas.officer).get("/api/v1/firms/", {"updated_since": since}).json()
    assert firm.pk in {row["id"] for row in rows["results"]}


def test_a_notification_read_moves_its_updated_at(api, personas, engagement):
    client = api(personas.agency_consultant)
    notes = client.get("/api/v1/notifications/").json()["results"]
    assert notes
    later = NOW + datetime.timedelta(days=5)
    with time_machine.travel(later, tick=False):
        client.post(f"/api/v1/notifications/{notes[0]['id']}/read/")
    since = (later - datetime.timedelta(seconds=1)).isoformat()
    changed = client.get("/api/v1/notifications/", {"updated_since": since}).json()
    assert [row["id"] for row in changed["results"]] == [notes[0]["id"]]


def test_cursor_paging_walks_a_list_once_with_no_count(api, personas):
    for _ in range(5):
        FirmFactory(incubator=personas.incubator)
    client = api(personas.officer)
    seen, url, params = [], "/api/v1/firms/", {"cursor": "", "page_size": 2}
    while url:
        page = client.get(url, params).json()
        assert page["count"] is None
        seen += [row["id"] for row in page["results"]]
        url, params = page["next"], None
    assert sorted(seen) == sorted(Firm.objects.values_list("pk", flat=True))
    assert len(seen) == len(set(seen))
    stamps = [
        row["updated_at"] for row in client.get("/api/v1/firms/", {"cursor": ""}).json()["results"]
    ]
    assert stamps == sorted(stamps)


def test_an_invalid_cursor_is_a_404_problem(api, personas):
    response = api(personas.officer).get("/api/v1/firms/", {"cursor": "nonsense"})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_deadlines_the_rules_drop_are_listed_as_deletions_for_their_parties(api, personas):
    with time_machine.travel(NOW, tick=False):
        asset = custody_actions.asset_create(
            firm=personas.firm, by=personas.firm_member, fields=patent_fields()
        )
        before = set(asset.deadlines.values_list("pk", flat=True))
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        custody_actions.asset_update(
            asset=asset, by=personas.firm_member, changes={"filing_date": datetime.date(2016, 2, 1)}
        )
    gone = before - set(asset.deadlines.values_list("pk", flat=True))
    assert gone
    since = (NOW + datetime.timedelta(hours=12)).isoformat()
    rows = api(personas.firm_member).get("/api/v1/deletions/", {"updated_since": since}).json()
    assert {(r["resource"], r["object_id"]) for r in rows["results"]} == {
        ("deadlines", pk) for pk in gone
    }
    assert api(personas.other_firm_member).get("/api/v1/deletions/").json()["count"] == 0
    assert api(personas.other_manager).get("/api/v1/deletions/").json()["count"] == 0
    assert api(personas.incubator_manager).get("/api/v1/deletions/").json()["count"] == len(gone)
    assert api(personas.rival_consultant).get("/api/v1/deletions/").json()["count"] == 0
    earlier = api(personas.firm_member).get(
        "/api/v1/deletions/", {"updated_since": (NOW + datetime.timedelta(days=2)).isoformat()}
    )
    assert earlier.json()["count"] == 0
