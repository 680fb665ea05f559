import datetime
from decimal import Decimal

import pytest
from rest_framework import status

from marketplace import actions
from marketplace.models import CustodyRequest, Engagement, Offer
from tests.marketplace.api.contracting.utils import member_of, open_requests, url
from tests.marketplace.api.utils import ANONYMOUS_STATUS, ids
from tests.problems import refusal

pytestmark = pytest.mark.django_db

LIST = url("offers")


def accept(client, offer):
    return client.post(url("offers", offer, "accept/"))


# --- Reads -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("firm_member", True),
        ("agency_consultant", True),
        ("incubator_manager", True),
        ("officer", True),
        ("other_firm_member", False),
        ("rival_consultant", False),
        ("other_manager", False),
    ],
)
def test_offer_is_visible_to_its_parties_only(api, personas, offer, persona, sees):
    client = api(getattr(personas, persona))
    assert ids(client.get(LIST)) == ({offer.pk} if sees else set())
    expected = status.HTTP_200_OK if sees else status.HTTP_404_NOT_FOUND
    assert client.get(url("offers", offer)).status_code == expected


def test_anonymous_is_asked_to_sign_in(api, personas, offer):
    assert api().get(LIST).status_code == ANONYMOUS_STATUS
    assert api().get(url("offers", offer)).status_code == ANONYMOUS_STATUS
    assert accept(api(), offer).status_code == ANONYMOUS_STATUS
    assert api().post(url("offers", offer, "decline/")).status_code == ANONYMOUS_STATUS


def test_offer_shows_deadline_score_reasons_and_items(api, personas, offer, clock):
    clock.shift(datetime.timedelta(hours=1))
    body = api(personas.agency_consultant).get(url("offers", offer)).json()
    assert body["firm_name"] == personas.firm.name
    assert body["firm_industry_display"] == "Biomedicine"
    assert body["needs"] == "抗体药物专利布局"
    assert body["status_display"] == "Waiting for an answer"
    assert body["score"] == float(offer.score)
    assert body["rank"] == offer.rank
    assert body["seconds_left"] == 3 * 86400 + 5 * 3600 - 1
    assert body["deadline_provisional"] is False
    assert body["reasons"][0] == {"code": "coverage", "text": "covers 3 of 3 items"}
    assert body["explanation"].startswith("covers 3 of 3 items; Biomedicine expertise")
    assert [item["quota"] for item in body["items"]] == [2, 2, 2]
    assert body["engagement"] is None


def test_inbox_filters_by_status_and_sorts_by_deadline(api, personas, programme, clock):
    requests = open_requests(personas, programme, 3)
    offers = []
    for request in requests:
        offers.append(
            actions.offer_make(request=request, agency=personas.agency, by=member_of(request))
        )
        clock.shift(datetime.timedelta(days=1))
    actions.offer_decline(offer=offers[1], by=personas.agency_consultant, reason="满员")
    response = api(personas.agency_consultant).get(
        LIST, {"status": "pending", "ordering": "respond_by"}
    )
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [offers[0].pk, offers[2].pk]
    assert rows[0]["seconds_left"] < rows[1]["seconds_left"]
    newest_first = api(personas.agency_consultant).get(LIST, {"ordering": "-respond_by"}).json()
    assert [row["id"] for row in newest_first["results"]] == [o.pk for o in reversed(offers)]


# --- Accepting --------------------------------------------------------------------------


def test_agency_accepts_and_gets_the_engagement(api, personas, offer):
    response = accept(api(personas.agency_consultant), offer)
    assert response.status_code == status.HTTP_201_CREATED, response.json()
    body = response.json()
    assert (body["status"], body["agency"], body["firm"]) == (
        "active",
        personas.agency.pk,
        personas.firm.pk,
    )
    assert (body["package_price"], body["government_amount"], body["copay_amount"]) == (
        "6000.00",
        "4800.00",
        "1200.00",
    )
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    detail = api(personas.agency_consultant).get(url("offers", offer)).json()
    assert detail["engagement"] == body["id"]
    assert detail["seconds_left"] is None


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("rival_consultant", status.HTTP_404_NOT_FOUND),
        ("firm_member", status.HTTP_403_FORBIDDEN),
        ("incubator_manager", status.HTTP_403_FORBIDDEN),
        ("officer", status.HTTP_403_FORBIDDEN),
    ],
)
def test_only_the_offered_agency_accepts(api, personas, offer, persona, expected):
    assert accept(api(getattr(personas, persona)), offer).status_code == expected
    assert not Engagement.objects.exists()


def test_accepting_twice_says_it_was_already_accepted(api, personas, offer):
    client = api(personas.agency_consultant)
    accept(client, offer)
    response = accept(client, offer)
    assert response.status_code == status.HTTP_409_CONFLICT
    assert response.json()["code"] == "offer_accepted"
    assert response.json()["detail"] == "This offer was already accepted."
    assert Engagement.objects.count() == 1


def test_accepting_after_the_deadline_says_it_expired(api, personas, offer, clock):
    clock.shift(datetime.timedelta(days=4))
    response = accept(api(personas.agency_consultant), offer)
    assert response.status_code == status.HTTP_409_CONFLICT
    assert response.json()["code"] == "offer_expired"
    assert response.json()["detail"].startswith("This offer expired on March 5, 2026")
    assert not Engagement.objects.exists()


def test_accepting_a_withdrawn_offer_says_it_was_withdrawn(api, personas, offer):
    actions.request_withdraw(request=offer.request, by=personas.firm_member)
    response = accept(api(personas.agency_consultant), offer)
    assert response.status_code == status.HTTP_409_CONFLICT
    assert response.json()["code"] == "offer_withdrawn"
    assert response.json()["detail"] == "This offer was withdrawn."


def test_accepting_a_declined_offer_says_it_was_declined(api, personas, offer):
    actions.offer_decline(offer=offer, by=personas.agency_consultant, reason="满员")
    response = accept(api(personas.agency_consultant), offer)
    assert response.status_code == status.HTTP_409_CONFLICT
    assert response.json()["code"] == "offer_declined"


def test_accepting_without_capacity_is_refused(api, personas, offer):
    personas.agency.yearly_capacity = 0
    personas.agency.save()
    response = accept(api(personas.agency_consultant), offer)
    assert response.status_code == status.HTTP_409_CONFLICT
    assert response.json()["code"] == "no_capacity"


def test_accepting_beyond_the_budget_waitlists_the_firm(api, personas, programme, offer):
    programme.budget = Decimal("4000.00")
    programme.save()
    response = accept(api(personas.agency_consultant), offer)
    assert response.status_code == status.HTTP_409_CONFLICT
    assert response.json()["code"] == "budget_exhausted"
    # The waiting list is kept although the acceptance is refused.
    offer.request.refresh_from_db()
    assert offer.request.status == CustodyRequest.Status.WAITLISTED
    assert not Engagement.objects.exists()


# --- Declining --------------------------------------------------------------------------


def test_decline_needs_a_reason_then_reopens_the_request(api, personas, offer):
    client = api(personas.agency_consultant)
    path = url("offers", offer, "decline/")
    refused = client.post(path, {"reason": "  "}, format="json")
    assert refused.status_code == status.HTTP_400_BAD_REQUEST
    assert (refusal(refused)["code"], refusal(refused)["field"]) == ("reason_required", "reason")
    response = client.post(path, {"reason": "本年度已满"}, format="json")
    assert response.status_code == status.HTTP_200_OK
    assert (response.json()["status"], response.json()["decline_reason"]) == (
        "declined",
        "本年度已满",
    )
    offer.request.refresh_from_db()
    assert offer.request.status == CustodyRequest.Status.OPEN


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("rival_consultant", status.HTTP_404_NOT_FOUND),
        ("firm_member", status.HTTP_403_FORBIDDEN),
        ("officer", status.HTTP_403_FORBIDDEN),
    ],
)
def test_only_the_offered_agency_declines(api, personas, offer, persona, expected):
    response = api(getattr(personas, persona)).post(
        url("offers", offer, "decline/"), {"reason": "满员"}, format="json"
    )
    assert response.status_code == expected
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING
