"""Input that the databases cannot store answers 400 naming the field, never 500.

The cases are what Schemathesis sent; PostgreSQL is stricter than SQLite (UTC
offsets, NUL characters, 64-bit integers), so CI runs them on both.
"""

import datetime

import pytest
from rest_framework import status

from core.models import AuditEvent
from tests.problems import field_errors

pytestmark = pytest.mark.django_db

AUDIT_EVENTS = "/api/v1/audit-events/"
# ISO 8601 and Python allow offsets up to ±23:59; PostgreSQL refused this one with a DataError.
FAR_OFFSET = datetime.timezone(datetime.timedelta(hours=20, minutes=12))


def test_the_date_time_schemathesis_sent_is_read_as_its_instant(api, personas):
    response = api(personas.officer).get(
        AUDIT_EVENTS, {"since": "0400-11-03T21:35:28.698366+20:12"}
    )
    assert response.status_code == status.HTTP_200_OK
    assert response.json()["count"] == AuditEvent.objects.count()


@pytest.mark.parametrize(("shift", "seen"), [(-1, True), (1, False)])
def test_since_with_a_far_offset_compares_instants(api, personas, shift, seen):
    newest = AuditEvent.objects.latest("at")
    since = (newest.at + datetime.timedelta(seconds=shift)).astimezone(FAR_OFFSET)
    response = api(personas.officer).get(AUDIT_EVENTS, {"since": since.isoformat()})
    assert response.status_code == status.HTTP_200_OK
    assert (newest.pk in {row["id"] for row in response.json()["results"]}) is seen


def test_since_before_year_one_in_utc_is_refused(api, personas):
    response = api(personas.officer).get(AUDIT_EVENTS, {"since": "0001-01-01T00:30:00+01:00"})
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert list(field_errors(response)) == ["since"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (AUDIT_EVENTS, {"action": "firm.\x00verified"}, "action"),
        (AUDIT_EVENTS, {"firm": str(2**63)}, "firm"),
        ("/api/v1/firms/", {"incubator": str(2**64)}, "incubator"),
        ("/api/v1/engagements/", {"agency": "-1"}, "agency"),
    ],
)
def test_query_parameters_the_database_cannot_hold_name_the_field(
    api, personas, path, params, field
):
    response = api(personas.officer).get(path, params)
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert field in field_errors(response)


def test_nul_characters_in_a_body_name_the_field(api, personas):
    officer = api(personas.officer)
    created = officer.post("/api/v1/firms/", {"name": "爱丽丝\x00"}, format="json")
    changed = officer.patch(
        f"/api/v1/firms/{personas.firm.pk}/", {"name": "爱丽丝\x00"}, format="json"
    )
    asked = api().post("/api/v1/chat/answer", {"text": "托管\x00"}, format="json")
    for response in (created, changed, asked):
        assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert (
        field_errors(created)["name"]
        == field_errors(changed)["name"]
        == ["Null characters are not allowed."]
    )
    assert "text" in field_errors(asked)


@pytest.mark.parametrize("path", ["/api/v1/firms/", "/api/v1/engagements/", AUDIT_EVENTS])
def test_nul_characters_in_a_search_name_the_parameter(api, personas, path):
    response = api(personas.officer).get(path, {"search": "爱丽丝\x00"})
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert field_errors(response) == {"search": ["Null characters are not allowed."]}
