"""The contracting endpoints are in the OpenAPI schema with their inputs and refusals."""

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    target = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--file", str(target))
    return yaml.safe_load(target.read_text())


def test_contracting_paths_are_documented(schema):
    for path in (
        "/api/v1/custody-requests/",
        "/api/v1/custody-requests/{id}/withdraw/",
        "/api/v1/custody-requests/{id}/candidates/",
        "/api/v1/custody-requests/{id}/choose/",
        "/api/v1/custody-requests/{id}/timeline/",
        "/api/v1/offers/{id}/accept/",
        "/api/v1/offers/{id}/decline/",
        "/api/v1/engagements/{id}/cancel/",
        "/api/v1/engagements/{id}/change-agency/",
        "/api/v1/agency-changes/{id}/approve/",
        "/api/v1/agency-changes/{id}/refuse/",
        "/api/v1/allocation-runs/{id}/commit/",
        "/api/v1/notifications/read-all/",
        "/api/v1/notifications/unread-count/",
        "/api/v1/notifications/{id}/read/",
    ):
        assert path in schema["paths"], path


def test_request_creation_documents_input_and_the_ineligible_refusal(schema):
    create = schema["paths"]["/api/v1/custody-requests/"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/CustodyRequestCreateRequest")
    refusal = create["responses"]["400"]["content"]["application/problem+json"]["schema"]["$ref"]
    assert refusal.endswith("/Problem")
    rules = schema["components"]["schemas"]["Problem"]["properties"]["errors"]
    assert rules["items"]["$ref"].endswith("/FieldError")


def test_candidates_and_timeline_are_plain_lists_not_pages(schema):
    candidates = schema["paths"]["/api/v1/custody-requests/{id}/candidates/"]["get"]
    assert [p["name"] for p in candidates["parameters"]] == ["id", "limit"]
    timeline = schema["paths"]["/api/v1/custody-requests/{id}/timeline/"]["get"]
    answer = timeline["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["type"] == "array"
    offer = schema["components"]["schemas"]["Offer"]["properties"]
    assert offer["seconds_left"]["nullable"] is True
