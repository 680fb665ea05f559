"""Deadlines over the API: the board's scope and filters, marked done with evidence."""

import datetime

import pytest

from custody.models import EvidenceFile
from tests.custody.service_helpers import html_disguised_as_pdf, pdf
from tests.problems import field_errors, refusal

pytestmark = pytest.mark.django_db

URL = "/api/v1/deadlines/"


def test_filters_by_firm_kind_state_and_due_window(api, personas, patent, engagement):
    client = api(personas.agency_consultant)
    every = client.get(URL, {"firm": personas.firm.pk}).json()
    assert every["count"] == patent.deadlines.count() > 0
    fees = client.get(URL, {"kind": "annual_fee"}).json()
    assert fees["count"] and all(row["kind"] == "annual_fee" for row in fees["results"])
    first = min(row["due_on"] for row in every["results"])
    window = client.get(URL, {"due_from": first, "due_to": first}).json()
    assert [row["due_on"] for row in window["results"]] == [first] * window["count"]
    assert client.get(URL, {"state": "done"}).json()["count"] == 0


def test_unknown_filter_values_are_refused_by_name(api, personas, patent):
    response = api(personas.firm_member).get(URL, {"state": "soon", "due_from": "tomorrow"})
    assert response.status_code == 400
    assert set(field_errors(response)) >= {"state", "due_from"}


def test_the_rival_agency_sees_none_of_them(api, personas, patent, engagement):
    client = api(personas.rival_consultant)
    assert client.get(URL).json()["count"] == 0
    deadline = patent.deadlines.first()
    assert client.get(f"{URL}{deadline.pk}/").status_code == 404


def test_marked_done_with_evidence(api, personas, patent, engagement):
    deadline = patent.deadlines.order_by("due_on").first()
    response = api(personas.agency_consultant).post(
        f"{URL}{deadline.pk}/done/",
        {"note": "已缴费", "files": [pdf("receipt.pdf"), pdf("second.pdf")]},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "done"
    assert [item["name"] for item in body["evidence"]] == ["receipt.pdf", "second.pdf"]
    again = api(personas.firm_member).post(f"{URL}{deadline.pk}/done/", {}, format="multipart")
    assert again.status_code == 409
    assert again.json()["code"] == "deadline_already_done"


def test_a_disguised_file_stores_nothing(api, personas, patent):
    deadline = patent.deadlines.order_by("due_on").first()
    response = api(personas.firm_member).post(
        f"{URL}{deadline.pk}/done/",
        {"files": [pdf(), html_disguised_as_pdf()]},
        format="multipart",
    )
    assert response.status_code == 400
    assert refusal(response)["field"] == "files"
    deadline.refresh_from_db()
    assert deadline.done_at is None
    assert not EvidenceFile.objects.exists()


def test_a_json_body_is_refused_where_files_are_sent(api, personas, patent):
    deadline = patent.deadlines.first()
    response = api(personas.firm_member).post(
        f"{URL}{deadline.pk}/done/", {"note": "x"}, format="json"
    )
    assert response.status_code == 415


def test_the_window_is_inclusive(api, personas, patent):
    deadline = patent.deadlines.order_by("due_on").first()
    day = deadline.due_on
    before = (day - datetime.timedelta(days=1)).isoformat()
    rows = api(personas.firm_member).get(URL, {"due_to": before, "due_from": before}).json()
    assert deadline.pk not in {row["id"] for row in rows["results"]}
