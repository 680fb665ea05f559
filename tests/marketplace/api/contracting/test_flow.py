"""The whole contracting journey through the API, one persona at a time."""

import datetime

import pytest
from rest_framework import status

from tests.marketplace.api.contracting.utils import url

pytestmark = pytest.mark.django_db


def test_firm_submits_chooses_and_the_agency_accepts(api, personas, programme, clock):
    alice = api(personas.firm_member)
    submitted = alice.post(url("custody-requests"), {"needs": "抗体药物专利布局"}, format="json")
    assert submitted.status_code == status.HTTP_201_CREATED, submitted.json()
    request_id = submitted.json()["id"]
    request_path = f"/api/v1/custody-requests/{request_id}/"

    candidates = alice.get(f"{request_path}candidates/").json()["candidates"]
    best = candidates[0]
    assert best["explanation"].startswith("covers 3 of 3 items; Biomedicine expertise")
    assert [reason["text"] for reason in best["reasons"]][:2] == [
        "covers 3 of 3 items",
        "Biomedicine expertise",
    ]
    chosen = next(row for row in candidates if row["agency"] == personas.agency.pk)

    offered = alice.post(f"{request_path}choose/", {"agency": chosen["agency"]}, format="json")
    assert offered.status_code == status.HTTP_201_CREATED
    offer_id = offered.json()["id"]
    assert offered.json()["score"] == chosen["score"]

    consultant = api(personas.agency_consultant)
    inbox = consultant.get(url("offers"), {"status": "pending", "ordering": "respond_by"}).json()
    assert [row["id"] for row in inbox["results"]] == [offer_id]

    clock.shift(datetime.timedelta(days=1))
    accepted = consultant.post(f"/api/v1/offers/{offer_id}/accept/")
    assert accepted.status_code == status.HTTP_201_CREATED
    engagement_id = accepted.json()["id"]

    for persona in ("firm_member", "agency_consultant", "incubator_manager", "officer"):
        client = api(getattr(personas, persona))
        engagement = client.get(f"/api/v1/engagements/{engagement_id}/")
        assert engagement.status_code == status.HTTP_200_OK, persona
        assert engagement.json()["government_amount"] == "4800.00"
        assert engagement_id in {
            row["id"] for row in client.get(url("engagements")).json()["results"]
        }
    for persona in ("other_firm_member", "rival_consultant", "other_manager"):
        client = api(getattr(personas, persona))
        assert client.get(f"/api/v1/engagements/{engagement_id}/").status_code == 404, persona

    request = alice.get(request_path).json()
    assert request["status"] == "engaged"
    assert [row["status"] for row in request["offers"]] == ["accepted"]
    actions_seen = [event["action"] for event in alice.get(request["timeline"]).json()]
    assert actions_seen[-1] == "engagement.started"
    kinds = {row["kind"] for row in alice.get(url("notifications")).json()["results"]}
    assert "offer_accepted" in kinds
