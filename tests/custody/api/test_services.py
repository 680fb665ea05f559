"""Service records over the API: logged with evidence (multipart), confirmed or disputed by the
firm, corrected by the agency; evidence read back only by the parties."""

import pytest

from custody.models import EvidenceFile, ServiceRecord
from tests.custody.service_helpers import PDF, html_disguised_as_pdf, pdf
from tests.marketplace.conftest import NOW
from tests.problems import field_errors, refusal

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("later")]

URL = "/api/v1/service-records/"


def _log(client, engagement, *, quantity=1, files=None, item=None):
    item = item or engagement.items.order_by("pk").first()
    return client.post(
        URL,
        {
            "engagement": engagement.pk,
            "item": item.pk,
            "quantity": quantity,
            "delivered_on": NOW.date().isoformat(),
            "description": "专利检索报告",
            "evidence": files if files is not None else [pdf("report.pdf")],
        },
        format="multipart",
    )


def test_the_agency_logs_and_the_firm_confirms(api, personas, engagement):
    response = _log(api(personas.agency_consultant), engagement)
    assert response.status_code == 201, response.json()
    record = response.json()
    assert record["status"] == "pending"
    assert [item["name"] for item in record["evidence"]] == ["report.pdf"]
    confirmed = api(personas.firm_member).post(f"{URL}{record['id']}/confirm/")
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"


def test_dispute_then_correction(api, personas, engagement):
    record = _log(api(personas.agency_consultant), engagement).json()
    disputed = api(personas.firm_member).post(
        f"{URL}{record['id']}/dispute/", {"reason": "没有收到报告"}, format="json"
    )
    assert disputed.json()["status"] == "disputed"
    corrected = api(personas.agency_consultant).post(
        f"{URL}{record['id']}/correct/",
        {
            "quantity": 1,
            "delivered_on": NOW.date().isoformat(),
            "description": "补交报告",
            "evidence": [pdf("again.pdf")],
        },
        format="multipart",
    )
    assert corrected.status_code == 200, corrected.json()
    assert corrected.json()["status"] == "pending"


def test_a_dispute_needs_a_reason(api, personas, engagement):
    record = _log(api(personas.agency_consultant), engagement).json()
    response = api(personas.firm_member).post(f"{URL}{record['id']}/dispute/", {}, format="json")
    assert response.status_code in (400, 409)
    assert ServiceRecord.objects.get(pk=record["id"]).status == "pending"


def test_over_the_quota_is_refused_on_the_quantity(api, personas, engagement):
    response = _log(api(personas.agency_consultant), engagement, quantity=3)
    assert response.status_code in (400, 409)
    assert refusal(response)["field"] == "quantity"
    assert not ServiceRecord.objects.exists()


def test_a_disguised_file_stores_nothing(api, personas, engagement):
    response = _log(
        api(personas.agency_consultant), engagement, files=[pdf(), html_disguised_as_pdf()]
    )
    assert response.status_code == 400
    assert not ServiceRecord.objects.exists()
    assert not EvidenceFile.objects.exists()


def test_a_rival_cannot_log_on_someone_elses_engagement(api, personas, engagement):
    response = _log(api(personas.rival_consultant), engagement)
    assert response.status_code == 400
    assert set(field_errors(response)) >= {"engagement", "item"}


def test_the_firm_cannot_log(api, personas, engagement):
    assert _log(api(personas.firm_member), engagement).status_code == 403


def test_evidence_is_read_by_the_parties_only(api, personas, engagement):
    record = _log(api(personas.agency_consultant), engagement).json()
    evidence_id = record["evidence"][0]["id"]
    download = api(personas.incubator_manager).get(f"/api/v1/evidence/{evidence_id}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert (
        api(personas.other_firm_member).get(f"/api/v1/evidence/{evidence_id}/").status_code == 404
    )
    assert api(personas.rival_consultant).get(URL).json()["count"] == 0
