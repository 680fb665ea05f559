import pytest
from rest_framework import status

from marketplace.models import AgencyChange, Engagement
from tests.marketplace.api.contracting.utils import url
from tests.marketplace.api.utils import ANONYMOUS_STATUS, ids

pytestmark = pytest.mark.django_db

LIST = url("engagements")
CHANGES = url("agency-changes")

PARTIES = [
    ("firm_member", True),
    ("agency_consultant", True),
    ("incubator_manager", True),
    ("officer", True),
    ("other_firm_member", False),
    ("rival_consultant", False),
    ("other_manager", False),
]


# --- Engagements ----------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "sees"), PARTIES)
def test_engagement_is_visible_to_its_parties_only(api, personas, engagement, persona, sees):
    client = api(getattr(personas, persona))
    assert ids(client.get(LIST)) == ({engagement.pk} if sees else set())
    expected = status.HTTP_200_OK if sees else status.HTTP_404_NOT_FOUND
    assert client.get(url("engagements", engagement)).status_code == expected


def test_anonymous_is_asked_to_sign_in(api, personas, change):
    client = api()
    for path in (
        LIST,
        url("engagements", change.engagement),
        CHANGES,
        url("agency-changes", change),
    ):
        assert client.get(path).status_code == ANONYMOUS_STATUS
    for path in (
        url("engagements", change.engagement, "cancel/"),
        url("engagements", change.engagement, "change-agency/"),
        url("agency-changes", change, "approve/"),
        url("agency-changes", change, "refuse/"),
    ):
        assert client.post(path, {}, format="json").status_code == ANONYMOUS_STATUS


def test_engagement_shows_items_amounts_and_period(api, personas, engagement):
    body = api(personas.firm_member).get(url("engagements", engagement)).json()
    assert (body["status"], body["status_display"]) == ("active", "Active")
    assert (body["starts_on"], body["ends_on"]) == ("2026-03-02", "2027-03-01")
    assert (body["package_price"], body["government_amount"], body["copay_amount"]) == (
        "6000.00",
        "4800.00",
        "1200.00",
    )
    assert [(item["quota"], item["unit_price"], item["amount"]) for item in body["items"]] == [
        (2, "1000.00", "2000.00")
    ] * 3
    assert body["agency_name"] == personas.agency.name_en
    assert (body["offer"], body["previous"], body["successor"]) == (engagement.offer_id, None, None)


def test_officer_cancels_with_a_reason(api, personas, engagement):
    client = api(personas.officer)
    path = url("engagements", engagement, "cancel/")
    refused = client.post(path, {}, format="json")
    assert refused.status_code == status.HTTP_400_BAD_REQUEST
    assert refused.json()["code"] == "reason_required"
    response = client.post(path, {"reason": "企业注销"}, format="json")
    assert response.status_code == status.HTTP_200_OK
    assert response.json()["status"] == "cancelled"
    again = client.post(path, {"reason": "企业注销"}, format="json")
    assert again.status_code == status.HTTP_409_CONFLICT


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("firm_member", status.HTTP_403_FORBIDDEN),
        ("agency_consultant", status.HTTP_403_FORBIDDEN),
        ("incubator_manager", status.HTTP_403_FORBIDDEN),
        ("rival_consultant", status.HTTP_403_FORBIDDEN),
    ],
)
def test_only_officers_cancel(api, personas, engagement, persona, expected):
    response = api(getattr(personas, persona)).post(
        url("engagements", engagement, "cancel/"), {"reason": "不想要了"}, format="json"
    )
    assert response.status_code == expected
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.ACTIVE


def test_firm_asks_to_change_agency(api, personas, engagement):
    response = api(personas.firm_member).post(
        url("engagements", engagement, "change-agency/"),
        {"new_agency": personas.rival_agency.pk, "reason": "沟通不畅"},
        format="json",
    )
    assert response.status_code == status.HTTP_201_CREATED, response.json()
    body = response.json()
    assert (body["status"], body["engagement"], body["new_agency"]) == (
        "pending",
        engagement.pk,
        personas.rival_agency.pk,
    )
    assert body["new_agency_name"] == personas.rival_agency.name_en
    assert body["status_display"] == "Waiting for the programme office"


@pytest.mark.parametrize(
    ("payload", "code"),
    [({"reason": ""}, "reason_required"), ({"reason": "换人", "same": True}, "same_agency")],
)
def test_change_request_needs_a_reason_and_another_agency(api, personas, engagement, payload, code):
    new_agency = personas.agency if payload.pop("same", False) else personas.rival_agency
    response = api(personas.firm_member).post(
        url("engagements", engagement, "change-agency/"),
        {**payload, "new_agency": new_agency.pk},
        format="json",
    )
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json()["code"] == code
    assert not AgencyChange.objects.exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("other_firm_member", status.HTTP_404_NOT_FOUND),
        ("agency_consultant", status.HTTP_403_FORBIDDEN),
        ("incubator_manager", status.HTTP_403_FORBIDDEN),
        ("officer", status.HTTP_403_FORBIDDEN),
    ],
)
def test_only_the_firm_asks_to_change_agency(api, personas, engagement, persona, expected):
    response = api(getattr(personas, persona)).post(
        url("engagements", engagement, "change-agency/"),
        {"new_agency": personas.rival_agency.pk, "reason": "沟通不畅"},
        format="json",
    )
    assert response.status_code == expected
    assert not AgencyChange.objects.exists()


# --- Changes of agency ---------------------------------------------------------------------


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
def test_change_is_visible_to_the_engagements_parties(api, personas, change, persona, sees):
    client = api(getattr(personas, persona))
    assert ids(client.get(CHANGES)) == ({change.pk} if sees else set())
    expected = status.HTTP_200_OK if sees else status.HTTP_404_NOT_FOUND
    assert client.get(url("agency-changes", change)).status_code == expected


def test_officer_approves_and_the_rest_moves_to_the_new_agency(api, personas, change):
    response = api(personas.officer).post(url("agency-changes", change, "approve/"))
    assert response.status_code == status.HTTP_201_CREATED, response.json()
    new = response.json()
    assert (new["agency"], new["previous"], new["status"]) == (
        personas.rival_agency.pk,
        change.engagement_id,
        "active",
    )
    assert new["government_amount"] == "4800.00"
    old = api(personas.firm_member).get(url("engagements", change.engagement)).json()
    assert (old["status"], old["successor"]) == ("transferred", new["id"])
    decided = api(personas.firm_member).get(url("agency-changes", change)).json()
    assert decided["status"] == "approved"
    again = api(personas.officer).post(url("agency-changes", change, "approve/"))
    assert again.status_code == status.HTTP_409_CONFLICT


def test_officer_refuses_with_a_reason(api, personas, change):
    client = api(personas.officer)
    path = url("agency-changes", change, "refuse/")
    assert client.post(path, {}, format="json").json()["code"] == "reason_required"
    response = client.post(path, {"reason": "理由不充分"}, format="json")
    assert response.status_code == status.HTTP_200_OK
    assert (response.json()["status"], response.json()["decision_reason"]) == (
        "refused",
        "理由不充分",
    )


@pytest.mark.parametrize("persona", ["firm_member", "agency_consultant", "incubator_manager"])
@pytest.mark.parametrize("verb", ["approve/", "refuse/"])
def test_only_officers_decide_changes(api, personas, change, persona, verb):
    response = api(getattr(personas, persona)).post(
        url("agency-changes", change, verb), {"reason": "自己批准"}, format="json"
    )
    assert response.status_code == status.HTTP_403_FORBIDDEN
    change.refresh_from_db()
    assert change.status == AgencyChange.Status.PENDING
