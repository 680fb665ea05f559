"""Co-payments and payouts (read), the quarterly report (JSON and PDF) and client firms."""

import pytest

pytestmark = pytest.mark.django_db


def test_copayments_are_read_by_the_parties(api, personas, engagement):
    mine = api(personas.firm_member).get("/api/v1/copayments/").json()
    assert [row["engagement"] for row in mine["results"]] == [engagement.pk]
    assert mine["results"][0]["amount"] == "1200.00"
    assert api(personas.other_firm_member).get("/api/v1/copayments/").json()["count"] == 0
    assert api(personas.rival_consultant).get("/api/v1/payouts/").json()["count"] == 0


def test_the_agency_lists_its_client_firms_with_their_engagements(api, personas, engagement):
    body = api(personas.agency_consultant).get("/api/v1/client-firms/").json()
    assert [row["id"] for row in body["results"]] == [personas.firm.pk]
    assert [e["id"] for e in body["results"][0]["engagements"]] == [engagement.pk]
    assert api(personas.rival_consultant).get("/api/v1/client-firms/").json()["count"] == 0


def test_the_quarterly_report_as_json_and_pdf(api, personas, engagement, patent):
    url = f"/api/v1/quarterly-reports/{personas.firm.pk}/2026/1/"
    body = api(personas.agency_consultant).get(url).json()
    assert body["firm"] == personas.firm.pk
    assert body["first"] == "2026-01-01"
    assert [a["number"] for a in body["assets"]] == [patent.number]
    assert [e["engagement"] for e in body["engagements"]] == [engagement.pk]
    pdf = api(personas.firm_member).get(f"{url}pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert api(personas.rival_consultant).get(url).status_code == 404
    assert api(personas.firm_member).get(url.replace("/1/", "/5/")).status_code == 404
