import pytest
from rest_framework import status
from rest_framework.test import APIClient

from core.models import AuditEvent
from marketplace.credit_codes import make_credit_code
from marketplace.models import Firm
from tests.factories import FirmFactory
from tests.marketplace.api.utils import ANONYMOUS_STATUS, ids
from tests.problems import field_errors, refusal

pytestmark = pytest.mark.django_db

LIST = "/api/v1/firms/"


def detail(firm, suffix=""):
    return f"/api/v1/firms/{firm.pk}/{suffix}"


def firm_payload(personas, **overrides):
    payload = {
        "name": "新创光电",
        "credit_code": make_credit_code(123_456),
        "district": "320106",
        "incubator": personas.incubator.pk,
        "admitted_on": "2025-06-01",
        "industry": "ic",
        "headcount": 8,
        "revenue_band": "lt1m",
    }
    payload.update(overrides)
    return payload


# --- Reads ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("firm_member", {"firm"}),
        ("other_firm_member", {"other_firm"}),
        ("agency_consultant", set()),
        ("rival_consultant", set()),
        ("incubator_manager", {"firm"}),
        ("other_manager", {"other_firm"}),
        ("officer", {"firm", "other_firm"}),
    ],
)
def test_list_shows_only_what_the_persona_may_see(api, personas, persona, visible):
    response = api(getattr(personas, persona)).get(LIST)
    assert response.status_code == status.HTTP_200_OK
    assert ids(response) == {getattr(personas, name).pk for name in visible}


def test_anonymous_cannot_list_or_read(api, personas):
    assert api().get(LIST).status_code == ANONYMOUS_STATUS
    assert api().get(detail(personas.firm)).status_code == ANONYMOUS_STATUS


def test_member_reads_own_firm_with_display_labels(api, personas):
    response = api(personas.firm_member).get(detail(personas.firm))
    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    assert body["name"] == personas.firm.name
    assert body["district_display"] == "Gulou"
    assert body["industry_display"] == "Biomedicine"
    assert body["verification"] == "verified"
    assert body["verification_display"] == "Verified by the incubator"
    assert body["incubator_name"] == "Biomedicine Valley Incubator"


@pytest.mark.parametrize(
    ("persona", "firm"),
    [
        ("firm_member", "other_firm"),
        ("other_firm_member", "firm"),
        ("incubator_manager", "other_firm"),
        ("other_manager", "firm"),
        ("agency_consultant", "firm"),
    ],
)
def test_other_tenants_firm_is_not_found(api, personas, persona, firm):
    response = api(getattr(personas, persona)).get(detail(getattr(personas, firm)))
    assert response.status_code == status.HTTP_404_NOT_FOUND


# --- Officer writes -------------------------------------------------------------------


def test_officer_creates_firm_pending_with_audit_event(api, personas):
    code = make_credit_code(123_456)
    # People paste codes with spaces and in lower case; the API stores them compact.
    pasted = f"{code[:6]} {code[6:]}".lower()
    response = api(personas.officer).post(
        LIST, firm_payload(personas, credit_code=pasted, verification="verified"), format="json"
    )
    assert response.status_code == status.HTTP_201_CREATED, response.json()
    firm = Firm.objects.get(pk=response.json()["id"])
    assert firm.credit_code == code
    assert firm.verification == Firm.Verification.PENDING
    assert response.json()["verification"] == "pending"
    event = AuditEvent.objects.get(action="firm.created", subject_id=str(firm.pk))
    assert event.actor == personas.officer
    assert event.incubator_id == personas.incubator.pk


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91320102MA1X", "has 18 characters; this one has 12"),
        ("I1320102MA1XYZ0000", "The first 8 characters of a unified social credit code are digits"),
    ],
)
def test_invalid_credit_code_names_field_and_reason(api, personas, code, reason):
    response = api(personas.officer).post(
        LIST, firm_payload(personas, credit_code=code), format="json"
    )
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    messages = field_errors(response)["credit_code"]
    assert any(reason in message for message in messages), messages
    assert not Firm.objects.filter(name="新创光电").exists()


def test_wrong_check_character_says_which_it_should_be(api, personas):
    good = make_credit_code(123_456)
    wrong = "0" if good[-1] != "0" else "1"
    response = api(personas.officer).post(
        LIST, firm_payload(personas, credit_code=good[:-1] + wrong), format="json"
    )
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert field_errors(response)["credit_code"] == [
        f"The check character is {wrong} but should be {good[-1]}; please re-check the code."
    ]


def test_duplicate_credit_code_says_another_firm_holds_it(api, personas):
    response = api(personas.officer).post(
        LIST, firm_payload(personas, credit_code=personas.other_firm.credit_code), format="json"
    )
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert field_errors(response)["credit_code"] == ["Another firm already holds this credit code."]


@pytest.mark.parametrize(
    "persona", ["firm_member", "incubator_manager", "agency_consultant", "other_manager"]
)
def test_only_officers_create_firms(api, personas, persona):
    response = api(getattr(personas, persona)).post(LIST, firm_payload(personas), format="json")
    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert not Firm.objects.filter(name="新创光电").exists()


def test_anonymous_cannot_create(api, personas):
    response = api().post(LIST, firm_payload(personas), format="json")
    assert response.status_code == ANONYMOUS_STATUS


def test_officer_updates_description_but_not_verification(api, personas):
    firm = FirmFactory(incubator=personas.incubator)
    response = api(personas.officer).patch(
        detail(firm), {"description": "光刻胶研发", "verification": "verified"}, format="json"
    )
    assert response.status_code == status.HTTP_200_OK, response.json()
    firm.refresh_from_db()
    assert firm.description == "光刻胶研发"
    assert firm.verification == Firm.Verification.PENDING
    event = AuditEvent.objects.get(action="firm.updated", subject_id=str(firm.pk))
    assert event.data == {"fields": ["description"]}


def test_update_keeps_own_credit_code_and_refuses_anothers(api, personas):
    client = api(personas.officer)
    same = client.patch(
        detail(personas.firm), {"credit_code": personas.firm.credit_code}, format="json"
    )
    assert same.status_code == status.HTTP_200_OK
    taken = client.patch(
        detail(personas.firm), {"credit_code": personas.other_firm.credit_code}, format="json"
    )
    assert taken.status_code == status.HTTP_400_BAD_REQUEST
    assert field_errors(taken)["credit_code"] == ["Another firm already holds this credit code."]


def test_firm_member_cannot_patch_own_firm(api, personas):
    response = api(personas.firm_member).patch(
        detail(personas.firm), {"description": "changed"}, format="json"
    )
    assert response.status_code == status.HTTP_403_FORBIDDEN
    personas.firm.refresh_from_db()
    assert personas.firm.description == ""


def test_put_and_delete_are_not_offered(api, personas):
    client = api(personas.officer)
    assert client.put(detail(personas.firm), {}, format="json").status_code == 405
    assert client.delete(detail(personas.firm)).status_code == 405
    assert Firm.objects.filter(pk=personas.firm.pk).exists()


# --- Verification -------------------------------------------------------------------


def test_manager_verifies_pending_firm_of_own_incubator(api, personas):
    firm = FirmFactory(incubator=personas.incubator)
    response = api(personas.incubator_manager).post(detail(firm, "verify/"))
    assert response.status_code == status.HTTP_200_OK
    assert response.json()["verification"] == "verified"
    firm.refresh_from_db()
    assert firm.verified_by == personas.incubator_manager
    assert AuditEvent.objects.filter(action="firm.verified", subject_id=str(firm.pk)).exists()


def test_manager_of_another_incubator_gets_404(api, personas):
    firm = FirmFactory(incubator=personas.incubator)
    response = api(personas.other_manager).post(detail(firm, "verify/"))
    assert response.status_code == status.HTTP_404_NOT_FOUND
    firm.refresh_from_db()
    assert firm.verification == Firm.Verification.PENDING


def test_firm_member_cannot_reject_own_firm(api, personas):
    response = api(personas.firm_member).post(
        detail(personas.firm, "reject/"), {"reason": "testing"}, format="json"
    )
    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert refusal(response) == {
        "detail": "Only a manager of this firm's incubator can confirm or reject it.",
        "code": "invalid",
        "field": None,
    }
    personas.firm.refresh_from_db()
    assert personas.firm.verification == Firm.Verification.VERIFIED


def test_verifying_a_verified_firm_is_a_conflict(api, personas):
    response = api(personas.officer).post(detail(personas.firm, "verify/"))
    assert response.status_code == status.HTTP_409_CONFLICT
    assert response.json()["detail"] == f"{personas.firm.name} is already verified."


def test_reject_without_reason_names_the_field_and_changes_nothing(api, personas):
    firm = FirmFactory(incubator=personas.incubator)
    events_before = AuditEvent.objects.count()
    response = api(personas.incubator_manager).post(
        detail(firm, "reject/"), {"reason": "  "}, format="json"
    )
    assert response.status_code == status.HTTP_409_CONFLICT
    assert refusal(response) == {
        "detail": "Please give a reason for the rejection.",
        "code": "reason_required",
        "field": "reason",
    }
    firm.refresh_from_db()
    assert firm.verification == Firm.Verification.PENDING
    assert AuditEvent.objects.count() == events_before


def test_manager_rejects_with_reason(api, personas):
    firm = FirmFactory(incubator=personas.incubator)
    response = api(personas.incubator_manager).post(
        detail(firm, "reject/"), {"reason": "Not incubated here"}, format="json"
    )
    assert response.status_code == status.HTTP_200_OK
    assert response.json()["verification"] == "rejected"
    assert response.json()["verification_reason"] == "Not incubated here"
    event = AuditEvent.objects.get(action="firm.rejected", subject_id=str(firm.pk))
    assert event.reason == "Not incubated here"


def test_anonymous_cannot_verify(api, personas):
    firm = FirmFactory(incubator=personas.incubator)
    assert api().post(detail(firm, "verify/")).status_code == ANONYMOUS_STATUS


# --- Filtering, search, ordering ---------------------------------------------------------


def test_officer_filters_by_incubator_and_verification(api, personas):
    pending = FirmFactory(incubator=personas.incubator)
    client = api(personas.officer)
    by_incubator = client.get(LIST, {"incubator": personas.incubator.pk})
    assert ids(by_incubator) == {personas.firm.pk, pending.pk}
    by_state = client.get(LIST, {"verification": "pending"})
    assert ids(by_state) == {pending.pk}


def test_filters_by_district_and_industry(api, personas):
    chip = FirmFactory(incubator=personas.incubator, industry="ic", district="320115")
    client = api(personas.officer)
    assert ids(client.get(LIST, {"industry": "ic"})) == {chip.pk}
    assert ids(client.get(LIST, {"district": "320115"})) == {chip.pk}
    assert client.get(LIST, {"district": "999999"}).status_code == status.HTTP_400_BAD_REQUEST


def test_filter_cannot_reach_outside_the_scope(api, personas):
    response = api(personas.firm_member).get(LIST, {"incubator": personas.other_incubator.pk})
    assert ids(response) == set()


def test_search_by_credit_code_and_name(api, personas):
    client = api(personas.officer)
    assert ids(client.get(LIST, {"search": personas.other_firm.credit_code})) == {
        personas.other_firm.pk
    }
    assert ids(client.get(LIST, {"search": "爱丽丝"})) == {personas.firm.pk}


def test_ordering_by_name(api, personas):
    names = [
        row["name"]
        for row in api(personas.officer).get(LIST, {"ordering": "-name"}).json()["results"]
    ]
    assert names == sorted(names, reverse=True)


def test_an_unknown_ordering_is_refused_in_the_callers_language_naming_the_field(personas):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(personas.officer)

    answer = client.get(LIST, {"ordering": "colour,-name"})

    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["field"] == "ordering"
    assert error["detail"].startswith("未知的排序字段：colour。可用字段：")
    assert "、" in error["detail"]  # the allowed fields, listed as Chinese lists them
