import datetime

import pytest
from django.utils import translation
from django.utils.formats import date_format
from rest_framework import status

from core.models import AuditEvent
from marketplace import actions
from marketplace.credit_codes import make_credit_code
from marketplace.models import Agency
from tests.factories import AgencyFactory, ServiceItemFactory
from tests.marketplace.api.utils import ANONYMOUS_STATUS, ids
from tests.problems import field_errors, refusal

pytestmark = pytest.mark.django_db

LIST = "/api/v1/agencies/"


def detail(agency, suffix=""):
    return f"/api/v1/agencies/{agency.pk}/{suffix}"


def agency_payload(**overrides):
    payload = {
        "name": "钟山知识产权代理",
        "credit_code": make_credit_code(654_321, region="320105"),
        "kind": "patent_agency",
        "licence_number": "32999",
        "licence_valid_from": "2024-01-01",
        "licence_valid_until": "2029-12-31",
        "district": "320102",
        "industries": ["ai", "ic"],
        "districts_served": ["320102", "320115"],
        "yearly_capacity": 15,
    }
    payload.update(overrides)
    return payload


# --- Reads ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("agency_consultant", {"agency"}),
        ("rival_consultant", {"rival_agency"}),
        ("firm_member", {"agency", "rival_agency", "approved"}),
        ("other_firm_member", {"agency", "rival_agency", "approved"}),
        ("incubator_manager", {"agency", "rival_agency", "approved"}),
        ("officer", {"agency", "rival_agency", "approved", "applied"}),
    ],
)
def test_list_shows_only_what_the_persona_may_see(api, personas, persona, visible):
    extra = {"applied": AgencyFactory(), "approved": AgencyFactory()}
    actions.agency_approve(agency=extra["approved"], by=personas.officer)

    def pk(name):
        return extra[name].pk if name in extra else getattr(personas, name).pk

    response = api(getattr(personas, persona)).get(LIST)
    assert response.status_code == status.HTTP_200_OK
    assert ids(response) == {pk(name) for name in visible}


def test_anonymous_cannot_list_or_read(api, personas):
    assert api().get(LIST).status_code == ANONYMOUS_STATUS
    assert api().get(detail(personas.agency)).status_code == ANONYMOUS_STATUS


def test_consultant_reads_own_agency_with_display_labels(api, personas):
    item = ServiceItemFactory()
    personas.agency.service_items.add(item)
    response = api(personas.agency_consultant).get(detail(personas.agency))
    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    assert body["status"] == "approved"
    assert body["status_display"] == "Approved"
    assert body["kind_display"] == "Patent agency"
    assert body["district_display"] == "Jianye"
    assert body["industries_display"] == ["Biomedicine"]
    assert body["districts_served_display"] == ["Gulou", "Jianye"]
    assert body["service_items"] == [item.pk]


def test_rival_agency_is_not_found(api, personas):
    response = api(personas.agency_consultant).get(detail(personas.rival_agency))
    assert response.status_code == status.HTTP_404_NOT_FOUND


def test_firm_cannot_see_an_agency_that_is_not_approved(api, personas):
    applied = AgencyFactory()
    assert api(personas.firm_member).get(detail(applied)).status_code == 404
    assert api(personas.officer).get(detail(applied)).status_code == 200


# --- Officer writes -------------------------------------------------------------------


def test_officer_creates_agency_as_applied_with_service_items(api, personas):
    items = [ServiceItemFactory(), ServiceItemFactory()]
    response = api(personas.officer).post(
        LIST,
        agency_payload(service_items=[item.pk for item in items], status="approved"),
        format="json",
    )
    assert response.status_code == status.HTTP_201_CREATED, response.json()
    agency = Agency.objects.get(pk=response.json()["id"])
    assert agency.status == Agency.Status.APPLIED
    assert set(agency.service_items.all()) == set(items)
    assert agency.industries == ["ai", "ic"]
    assert AuditEvent.objects.filter(action="agency.created", agency=agency).exists()


def test_unknown_industry_is_refused(api, personas):
    response = api(personas.officer).post(
        LIST, agency_payload(industries=["ai", "poetry"]), format="json"
    )
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert list(field_errors(response)) == ["industries.1"]


def test_licence_ending_before_it_starts_is_refused(api, personas):
    response = api(personas.officer).post(
        LIST,
        agency_payload(licence_valid_from="2025-01-01", licence_valid_until="2024-01-01"),
        format="json",
    )
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert field_errors(response) == {
        "licence_valid_until": ["The licence cannot end before it starts."]
    }


def test_duplicate_agency_credit_code(api, personas):
    response = api(personas.officer).post(
        LIST, agency_payload(credit_code=personas.rival_agency.credit_code), format="json"
    )
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert field_errors(response)["credit_code"] == [
        "Another agency already holds this credit code."
    ]


def test_agency_admin_cannot_edit_through_the_api(api, personas):
    response = api(personas.agency_consultant).patch(
        detail(personas.agency), {"yearly_capacity": 999}, format="json"
    )
    assert response.status_code == status.HTTP_403_FORBIDDEN
    personas.agency.refresh_from_db()
    assert personas.agency.yearly_capacity == 20


def test_officer_changes_service_items_and_capacity(api, personas):
    item = ServiceItemFactory()
    response = api(personas.officer).patch(
        detail(personas.agency), {"service_items": [item.pk], "yearly_capacity": 30}, format="json"
    )
    assert response.status_code == status.HTTP_200_OK
    assert response.json()["service_items"] == [item.pk]
    event = AuditEvent.objects.get(action="agency.updated", agency=personas.agency)
    assert event.data == {"fields": ["service_items", "yearly_capacity"]}


# --- Approval, rejection, suspension ----------------------------------------------------


def test_officer_approves_applied_agency(api, personas):
    applied = AgencyFactory()
    response = api(personas.officer).post(detail(applied, "approve/"))
    assert response.status_code == status.HTTP_200_OK
    assert response.json()["status"] == "approved"
    assert response.json()["approved_at"] is not None
    event = AuditEvent.objects.get(action="agency.approved", agency=applied)
    assert (event.from_state, event.to_state) == ("applied", "approved")


def test_approving_with_expired_licence_is_a_conflict_naming_the_date(api, personas):
    expired_on = datetime.date(2024, 6, 30)
    applied = AgencyFactory(licence_valid_until=expired_on)
    events_before = AuditEvent.objects.count()
    response = api(personas.officer).post(detail(applied, "approve/"))
    assert response.status_code == status.HTTP_409_CONFLICT
    with translation.override("en"):
        day = date_format(expired_on, "DATE_FORMAT")
    assert refusal(response) == {
        "detail": f"The licence expired on {day}; ask the agency to upload a valid one.",
        "code": "licence_invalid",
        "field": "licence_valid_until",
    }
    applied.refresh_from_db()
    assert applied.status == Agency.Status.APPLIED
    assert applied.approved_at is None
    assert AuditEvent.objects.count() == events_before


def test_staff_cannot_change_their_own_agencys_status(api, personas):
    response = api(personas.agency_consultant).post(
        detail(personas.agency, "suspend/"), {"reason": "x"}, format="json"
    )
    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert response.json()["detail"] == "Only a programme officer can do this."
    personas.agency.refresh_from_db()
    assert personas.agency.status == Agency.Status.APPROVED


def test_firm_member_cannot_reach_an_applied_agency(api, personas):
    applied = AgencyFactory()
    response = api(personas.firm_member).post(detail(applied, "approve/"))
    assert response.status_code == status.HTTP_404_NOT_FOUND


@pytest.mark.parametrize("verb", ["reject", "suspend"])
def test_reason_is_required(api, personas, verb):
    agency = AgencyFactory()
    if verb == "suspend":
        actions.agency_approve(agency=agency, by=personas.officer)
    before = Agency.objects.get(pk=agency.pk).status
    response = api(personas.officer).post(detail(agency, f"{verb}/"), {}, format="json")
    assert response.status_code == status.HTTP_409_CONFLICT
    assert refusal(response)["field"] == "reason"
    assert response.json()["code"] == "reason_required"
    assert Agency.objects.get(pk=agency.pk).status == before


def test_officer_rejects_application_with_reason(api, personas):
    applied = AgencyFactory()
    response = api(personas.officer).post(
        detail(applied, "reject/"), {"reason": "Licence scan unreadable"}, format="json"
    )
    assert response.status_code == status.HTTP_200_OK
    assert response.json()["status"] == "rejected"
    assert response.json()["status_reason"] == "Licence scan unreadable"


def test_rejecting_an_approved_agency_is_a_conflict(api, personas):
    response = api(personas.officer).post(
        detail(personas.agency, "reject/"), {"reason": "late"}, format="json"
    )
    assert response.status_code == status.HTTP_409_CONFLICT
    assert (
        response.json()["detail"]
        == f"{personas.agency.name} is Approved; this action does not apply."
    )


def test_suspension_removes_agency_from_the_firm_directory(api, personas):
    response = api(personas.officer).post(
        detail(personas.rival_agency, "suspend/"), {"reason": "Complaints"}, format="json"
    )
    assert response.status_code == status.HTTP_200_OK
    assert response.json()["status"] == "suspended"
    assert ids(api(personas.firm_member).get(LIST)) == {personas.agency.pk}
    reinstated = api(personas.officer).post(detail(personas.rival_agency, "approve/"))
    assert reinstated.json()["status"] == "approved"


# --- Filtering -----------------------------------------------------------------------------


def test_filter_by_industry_matches_whole_codes_in_the_json_list(api, personas):
    ai = AgencyFactory(industries=["ai", "communications"])
    chips = AgencyFactory(industries=["ic"])
    both = AgencyFactory(industries=["ic", "ai"])
    client = api(personas.officer)
    assert ids(client.get(LIST, {"industry": "ai"})) == {ai.pk, both.pk}
    assert ids(client.get(LIST, {"industry": "ic"})) == {chips.pk, both.pk}
    assert client.get(LIST, {"industry": "a"}).status_code == status.HTTP_400_BAD_REQUEST


def test_filter_by_district_served_status_and_kind(api, personas):
    far = AgencyFactory(districts_served=["320118"], kind="law_firm")
    client = api(personas.officer)
    assert ids(client.get(LIST, {"district_served": "320118"})) == {far.pk}
    assert ids(client.get(LIST, {"status": "applied"})) == {far.pk}
    assert ids(client.get(LIST, {"kind": "law_firm"})) == {far.pk}
    assert ids(client.get(LIST, {"district": "320105", "status": "approved"})) == {
        personas.agency.pk,
        personas.rival_agency.pk,
    }


def test_search_by_name_and_expertise(api, personas):
    special = AgencyFactory(expertise="半导体 布图设计")
    client = api(personas.officer)
    assert ids(client.get(LIST, {"search": "布图设计"})) == {special.pk}
    assert ids(client.get(LIST, {"search": "对手"})) == {personas.rival_agency.pk}
