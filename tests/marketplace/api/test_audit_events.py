import pytest
from rest_framework import status

from core.models import AuditEvent
from tests.marketplace.api.utils import ANONYMOUS_STATUS

pytestmark = pytest.mark.django_db

LIST = "/api/v1/audit-events/"


def actions_seen(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == status.HTTP_200_OK
    return [(row["action"], row["subject_id"]) for row in response.json()["results"]]


def test_firm_member_sees_own_firms_events_only(api, personas):
    seen = actions_seen(api(personas.firm_member))
    assert ("firm.verified", str(personas.firm.pk)) in seen
    assert ("firm.verified", str(personas.other_firm.pk)) not in seen
    assert all(
        event["firm"] == personas.firm.pk
        for event in api(personas.firm_member).get(LIST).json()["results"]
    )


def test_manager_sees_own_incubators_events(api, personas):
    assert ("firm.verified", str(personas.firm.pk)) in actions_seen(api(personas.incubator_manager))
    assert ("firm.verified", str(personas.firm.pk)) not in actions_seen(api(personas.other_manager))


def test_agency_events_are_scoped_to_the_agency(api, personas):
    approved = ("agency.approved", str(personas.agency.pk))
    assert approved in actions_seen(api(personas.agency_consultant))
    assert approved not in actions_seen(api(personas.rival_consultant))
    assert approved not in actions_seen(api(personas.firm_member))


def test_officer_sees_everything_and_filters(api, personas):
    client = api(personas.officer)
    assert len(actions_seen(client)) == AuditEvent.objects.count()
    assert actions_seen(client, agency=personas.rival_agency.pk) == [
        ("agency.approved", str(personas.rival_agency.pk))
    ]
    assert {action for action, _ in actions_seen(client, action="firm.verified")} == {
        "firm.verified"
    }


def test_event_from_an_api_action_appears_with_actor_and_reason(api, personas):
    api(personas.officer).post(
        f"/api/v1/agencies/{personas.agency.pk}/suspend/",
        {"reason": "Missed deadlines"},
        format="json",
    )
    newest = api(personas.agency_consultant).get(LIST).json()["results"][0]
    assert newest["action"] == "agency.suspended"
    assert newest["actor_name"] == "王处长"
    assert newest["reason"] == "Missed deadlines"
    assert (newest["from_state"], newest["to_state"]) == ("approved", "suspended")
    assert newest["subject_type"] == "marketplace.agency"


def test_other_tenants_event_is_not_found(api, personas):
    event = AuditEvent.objects.get(action="firm.verified", firm=personas.other_firm)
    assert api(personas.firm_member).get(f"{LIST}{event.pk}/").status_code == 404
    assert api(personas.other_firm_member).get(f"{LIST}{event.pk}/").status_code == 200


def test_audit_trail_is_read_only(api, personas):
    event = AuditEvent.objects.first()
    client = api(personas.officer)
    assert client.post(LIST, {}, format="json").status_code == 405
    assert client.delete(f"{LIST}{event.pk}/").status_code == 405


def test_anonymous_cannot_read_the_trail(api, personas):
    assert api().get(LIST).status_code == ANONYMOUS_STATUS
