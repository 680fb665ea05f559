import datetime

import pytest
from rest_framework import status

from marketplace import actions
from marketplace.choices import RevenueBand
from marketplace.models import CustodyRequest, Incubator, Offer, User
from tests.factories import (
    AgencyFactory,
    FirmFactory,
    PackageItemFactory,
    ProgrammeYearFactory,
    ServiceItemFactory,
    UserFactory,
)
from tests.marketplace.api.contracting.utils import url
from tests.marketplace.api.utils import ANONYMOUS_STATUS, ids
from tests.problems import field_errors, refusal

pytestmark = pytest.mark.django_db

LIST = url("custody-requests")


# --- Reads ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("firm_member", {"alice"}),
        ("other_firm_member", {"bob"}),
        ("agency_consultant", {"alice"}),  # offered to its agency
        ("rival_consultant", set()),
        ("incubator_manager", {"alice"}),
        ("other_manager", {"bob"}),
        ("officer", {"alice", "bob"}),
    ],
)
def test_list_shows_only_what_the_persona_may_see(
    api, personas, offer, bob_request, persona, visible
):
    requests = {"alice": offer.request, "bob": bob_request}
    response = api(getattr(personas, persona)).get(LIST)
    assert response.status_code == status.HTTP_200_OK
    assert ids(response) == {requests[name].pk for name in visible}


@pytest.mark.parametrize("persona", ["other_firm_member", "rival_consultant", "other_manager"])
def test_other_tenants_request_is_not_found(api, personas, offer, persona):
    client = api(getattr(personas, persona))
    for suffix in ("", "timeline/"):
        assert client.get(url("custody-requests", offer.request, suffix)).status_code == 404


def test_anonymous_is_asked_to_sign_in(api, personas, alice_request):
    client = api()
    assert client.get(LIST).status_code == ANONYMOUS_STATUS
    assert client.post(LIST, {}, format="json").status_code == ANONYMOUS_STATUS
    for suffix in ("", "candidates/", "timeline/"):
        assert client.get(url("custody-requests", alice_request, suffix)).status_code == (
            ANONYMOUS_STATUS
        )
    for suffix in ("withdraw/", "choose/"):
        response = client.post(url("custody-requests", alice_request, suffix), {}, format="json")
        assert response.status_code == ANONYMOUS_STATUS


def test_detail_has_items_status_offers_and_timeline_link(api, personas, programme, offer):
    response = api(personas.firm_member).get(url("custody-requests", offer.request))
    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    assert body["firm_name"] == personas.firm.name
    assert body["year"] == 2026
    assert body["needs"] == "抗体药物专利布局"
    assert (body["status"], body["status_display"]) == ("offered", "Waiting for the agency")
    assert [item["quota"] for item in body["items"]] == [2, 2, 2]
    assert {item["service_item"] for item in body["items"]} == set(programme.standard_quotas)
    assert all(item["service_item_name"].startswith("Service ") for item in body["items"])
    assert not any(item["is_extra"] for item in body["items"])
    assert [(row["id"], row["agency_name"], row["status"]) for row in body["offers"]] == [
        (offer.pk, personas.agency.name_en, "pending")
    ]
    assert body["timeline"].endswith(f"/api/v1/custody-requests/{offer.request.pk}/timeline/")


def test_agency_sees_only_its_own_offers_of_a_request(api, personas, offer):
    actions.offer_decline(offer=offer, by=personas.agency_consultant, reason="满员")
    second = actions.offer_make(
        request=offer.request, agency=personas.rival_agency, by=personas.firm_member
    )

    def offers_seen(user):
        response = api(user).get(url("custody-requests", offer.request))
        return {row["id"] for row in response.json()["offers"]}

    assert offers_seen(personas.agency_consultant) == {offer.pk}
    assert offers_seen(personas.rival_consultant) == {second.pk}
    assert offers_seen(personas.firm_member) == {offer.pk, second.pk}


# --- Submitting -------------------------------------------------------------------------


def test_firm_submits_the_standard_package_by_default(api, personas, programme):
    response = api(personas.firm_member).post(LIST, {"needs": " 专利布局 "}, format="json")
    assert response.status_code == status.HTTP_201_CREATED, response.json()
    body = response.json()
    assert body["status"] == "open"
    assert body["programme_year"] == programme.pk
    assert body["needs"] == "专利布局"
    assert {item["service_item"]: item["quota"] for item in body["items"]} == (
        programme.standard_quotas
    )
    request = CustodyRequest.objects.get(pk=body["id"])
    assert (request.firm, request.created_by) == (personas.firm, personas.firm_member)


def test_firm_chooses_items_including_an_extra(api, personas, programme):
    first = next(iter(programme.standard_quotas))
    payload = {
        "programme_year": programme.pk,
        "items": [
            {"service_item": first, "quota": 1},
            {"service_item": programme.extra_item.pk, "quota": 1},
        ],
    }
    response = api(personas.firm_member).post(LIST, payload, format="json")
    assert response.status_code == status.HTTP_201_CREATED, response.json()
    items = {item["service_item"]: item for item in response.json()["items"]}
    assert items[first]["quota"] == 1
    assert items[programme.extra_item.pk]["is_extra"] is True


def test_malformed_items_are_refused(api, personas, programme):
    first = next(iter(programme.standard_quotas))
    client = api(personas.firm_member)
    for items in (
        [{"service_item": 999_999, "quota": 1}],
        [{"service_item": first, "quota": 0}],
    ):
        response = client.post(LIST, {"items": items}, format="json")
        assert response.status_code == status.HTTP_400_BAD_REQUEST
        assert all(f.split(".")[0] == "items" for f in field_errors(response)), response.json()
    assert not CustodyRequest.objects.exists()


def test_duplicate_items_are_refused(api, personas, programme):
    first = next(iter(programme.standard_quotas))
    items = [{"service_item": first, "quota": 1}, {"service_item": first, "quota": 2}]
    response = api(personas.firm_member).post(LIST, {"items": items}, format="json")
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert field_errors(response)["items"] == ["Each service item may appear only once."]


def test_item_outside_the_programme_names_the_field(api, personas, programme):
    item = ServiceItemFactory()  # in the catalogue, not in the 2026 package
    response = api(personas.firm_member).post(
        LIST, {"items": [{"service_item": item.pk, "quota": 1}]}, format="json"
    )
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json()["code"] == "item_not_in_programme"
    assert refusal(response)["field"] == "items"


def test_quota_above_the_programme_quota_is_refused(api, personas, programme):
    items = [{"service_item": programme.extra_item.pk, "quota": 5}]
    response = api(personas.firm_member).post(LIST, {"items": items}, format="json")
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json()["code"] == "quota_out_of_range"


@pytest.mark.parametrize("persona", ["agency_consultant", "incubator_manager", "officer"])
def test_only_firm_members_submit(api, personas, programme, persona):
    response = api(getattr(personas, persona)).post(LIST, {}, format="json")
    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert not CustodyRequest.objects.exists()


def test_ineligible_firm_is_told_every_failed_rule(api, personas, programme):
    municipal = Incubator.objects.create(
        name="区级孵化器", level=Incubator.Level.MUNICIPAL, district="320102"
    )
    firm = FirmFactory(incubator=municipal, headcount=500, revenue_band=RevenueBand.OVER_50M)
    carol = UserFactory(username="carol", role=User.Role.FIRM_MEMBER, firm=firm)
    response = api(carol).post(LIST, {}, format="json")
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    body = response.json()
    assert body["code"] == "ineligible"
    assert [rule["code"] for rule in body["errors"]] == [
        "firm_not_verified",
        "incubator_level",
        "sme_size",
    ]
    messages = [rule["detail"] for rule in body["errors"]]
    assert messages[0] == (
        "Your incubator has not yet confirmed that your firm is incubated there."
    )
    assert "medium-sized or larger" in messages[2] and "300号" in messages[2]
    assert all(message in body["detail"] for message in messages)
    assert not CustodyRequest.objects.filter(firm=firm).exists()


def test_second_request_is_refused_with_the_live_request_rule(api, personas, alice_request):
    response = api(personas.firm_member).post(LIST, {}, format="json")
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert [rule["code"] for rule in response.json()["errors"]] == ["live_request"]


@pytest.mark.parametrize(
    ("language", "closing"),
    [("en", "Dec. 31, 2025"), ("zh-hans", "2025年12月31日")],
)
def test_refusal_is_worded_in_the_callers_language(api, personas, programme, language, closing):
    closed = ProgrammeYearFactory(year=2025)
    for item in programme.package_items.all():
        PackageItemFactory(programme_year=closed, service_item=item.service_item, is_standard=True)
    client = api(personas.firm_member)
    client.credentials(HTTP_ACCEPT_LANGUAGE=language)
    response = client.post(LIST, {"programme_year": closed.pk}, format="json")
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    (rule,) = response.json()["errors"]
    assert rule["code"] == "programme_closed"
    assert closing in rule["detail"]


def test_without_an_open_programme_year_one_must_be_named(api, personas):
    response = api(personas.firm_member).post(LIST, {}, format="json")
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert field_errors(response)["programme_year"] == [
        "No programme year is taking applications today."
    ]


def test_short_budget_puts_the_request_on_the_waiting_list(api, personas, programme):
    programme.budget = 1000
    programme.save()
    response = api(personas.firm_member).post(LIST, {}, format="json")
    assert response.status_code == status.HTTP_201_CREATED
    assert response.json()["status"] == "waitlisted"


# --- Withdrawing -------------------------------------------------------------------------


def test_firm_withdraws_and_the_pending_offer_goes_with_it(api, personas, offer):
    response = api(personas.firm_member).post(
        url("custody-requests", offer.request, "withdraw/"), {"reason": "自行处理"}, format="json"
    )
    assert response.status_code == status.HTTP_200_OK
    assert response.json()["status"] == "withdrawn"
    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    again = api(personas.firm_member).post(url("custody-requests", offer.request, "withdraw/"))
    assert again.status_code == status.HTTP_409_CONFLICT
    assert again.json()["detail"] == "This request is Withdrawn and cannot be withdrawn."


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("other_firm_member", status.HTTP_404_NOT_FOUND),
        ("agency_consultant", status.HTTP_403_FORBIDDEN),
        ("incubator_manager", status.HTTP_403_FORBIDDEN),
        ("officer", status.HTTP_403_FORBIDDEN),
    ],
)
def test_only_the_firm_withdraws(api, personas, alice_request, persona, expected):
    response = api(getattr(personas, persona)).post(
        url("custody-requests", alice_request, "withdraw/")
    )
    assert response.status_code == expected
    alice_request.refresh_from_db()
    assert alice_request.status == CustodyRequest.Status.OPEN


# --- Candidates -------------------------------------------------------------------------


def test_candidates_are_ranked_with_components_reasons_and_explanation(
    api, personas, alice_request
):
    AgencyFactory()  # still applying: excluded, and only counted
    response = api(personas.firm_member).get(url("custody-requests", alice_request, "candidates/"))
    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    assert [row["rank"] for row in body["candidates"]] == [1, 2]
    assert {row["agency"] for row in body["candidates"]} == {
        personas.agency.pk,
        personas.rival_agency.pk,
    }
    best = body["candidates"][0]
    assert best["agency_name"] in {personas.agency.name_en, personas.rival_agency.name_en}
    assert best["score"] >= body["candidates"][1]["score"]
    components = {row["name"]: row for row in best["components"]}
    assert set(components) == {"coverage", "industry", "district", "capacity", "track"}
    assert components["coverage"] == {
        "name": "coverage",
        "label": "Service coverage",
        "points": 25.0,
        "weight": 25.0,
    }
    assert sum(row["points"] for row in best["components"]) == pytest.approx(best["score"], 0.01)
    reasons = {row["code"]: row["text"] for row in best["reasons"]}
    assert reasons["coverage"] == "covers 3 of 3 items"
    assert reasons["industry_declared"] == "Biomedicine expertise"
    assert best["explanation"].startswith("covers 3 of 3 items; Biomedicine expertise; ")
    assert body["excluded_count"] == 1
    assert body["excluded"] == [
        {
            "constraint": "not_approved",
            "text": "The agency is not approved for the programme.",
            "count": 1,
        }
    ]


def test_candidates_limit(api, personas, alice_request):
    client = api(personas.firm_member)
    path = url("custody-requests", alice_request, "candidates/")
    assert len(client.get(path, {"limit": 1}).json()["candidates"]) == 1
    assert client.get(path, {"limit": 0}).status_code == status.HTTP_400_BAD_REQUEST


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("firm_member", status.HTTP_200_OK),
        ("incubator_manager", status.HTTP_200_OK),
        ("officer", status.HTTP_200_OK),
        ("other_firm_member", status.HTTP_404_NOT_FOUND),
        ("other_manager", status.HTTP_404_NOT_FOUND),
        ("agency_consultant", status.HTTP_403_FORBIDDEN),
    ],
)
def test_who_may_read_candidates(api, personas, offer, persona, expected):
    response = api(getattr(personas, persona)).get(
        url("custody-requests", offer.request, "candidates/")
    )
    assert response.status_code == expected


# --- Choosing an agency --------------------------------------------------------------------


def test_firm_chooses_a_candidate_and_the_offer_waits_three_working_days(
    api, personas, alice_request
):
    response = api(personas.firm_member).post(
        url("custody-requests", alice_request, "choose/"),
        {"agency": personas.agency.pk},
        format="json",
    )
    assert response.status_code == status.HTTP_201_CREATED, response.json()
    body = response.json()
    assert (body["agency"], body["status"], body["source"]) == (
        personas.agency.pk,
        "pending",
        "firm_choice",
    )
    respond_by = datetime.datetime.fromisoformat(body["respond_by"])
    local = respond_by.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    assert (local.date(), local.time()) == (datetime.date(2026, 3, 5), datetime.time(23, 59, 59))
    assert body["deadline_provisional"] is False
    assert body["seconds_left"] == 3 * 86400 + 6 * 3600 - 1  # Mon 18:00 → Thu 23:59:59
    alice_request.refresh_from_db()
    assert alice_request.status == CustodyRequest.Status.OFFERED


def test_choosing_an_agency_that_cannot_serve_the_request_says_why(
    api, personas, programme, alice_request
):
    personas.rival_agency.service_items.set([programme.extra_item])
    response = api(personas.firm_member).post(
        url("custody-requests", alice_request, "choose/"),
        {"agency": personas.rival_agency.pk},
        format="json",
    )
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert refusal(response) == {
        "detail": "The agency does not offer every requested service item.",
        "code": "not_a_candidate",
        "field": "agency",
    }


def test_a_second_choice_waits_for_the_first_answer(api, personas, offer):
    response = api(personas.firm_member).post(
        url("custody-requests", offer.request, "choose/"),
        {"agency": personas.rival_agency.pk},
        format="json",
    )
    assert response.status_code == status.HTTP_409_CONFLICT
    assert Offer.objects.count() == 1


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("other_firm_member", status.HTTP_404_NOT_FOUND),
        ("agency_consultant", status.HTTP_403_FORBIDDEN),
        ("incubator_manager", status.HTTP_403_FORBIDDEN),
        ("officer", status.HTTP_403_FORBIDDEN),
    ],
)
def test_only_the_firm_chooses(api, personas, alice_request, persona, expected):
    response = api(getattr(personas, persona)).post(
        url("custody-requests", alice_request, "choose/"),
        {"agency": personas.agency.pk},
        format="json",
    )
    assert response.status_code == expected
    assert not Offer.objects.exists()


# --- Timeline ----------------------------------------------------------------------------


def timeline(client, request):
    response = client.get(url("custody-requests", request, "timeline/"))
    assert response.status_code == status.HTTP_200_OK
    return [
        (event["action"], event["subject_type"], event["subject_id"]) for event in response.json()
    ]


def test_timeline_tells_the_story_in_order(api, personas, engagement):
    request = engagement.request
    offer = engagement.offer
    expected = [
        ("request.submitted", "marketplace.custodyrequest", str(request.pk)),
        ("offer.sent", "marketplace.offer", str(offer.pk)),
        ("request.offered", "marketplace.custodyrequest", str(request.pk)),
        ("offer.accepted", "marketplace.offer", str(offer.pk)),
        ("request.engaged", "marketplace.custodyrequest", str(request.pk)),
        ("engagement.started", "marketplace.engagement", str(engagement.pk)),
    ]
    for persona in ("firm_member", "agency_consultant", "incubator_manager", "officer"):
        assert timeline(api(getattr(personas, persona)), request) == expected, persona


def test_timeline_hides_a_rivals_offer_from_an_agency(api, personas, offer):
    actions.offer_decline(offer=offer, by=personas.agency_consultant, reason="满员")
    second = actions.offer_make(
        request=offer.request, agency=personas.rival_agency, by=personas.firm_member
    )

    def offers_in(user):
        events = timeline(api(user), offer.request)
        return {subject_id for _action, kind, subject_id in events if kind == "marketplace.offer"}

    assert offers_in(personas.agency_consultant) == {str(offer.pk)}
    assert offers_in(personas.rival_consultant) == {str(second.pk)}
    assert offers_in(personas.firm_member) == {str(offer.pk), str(second.pk)}
