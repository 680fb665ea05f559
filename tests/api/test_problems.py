"""Every error the API answers is a problem (RFC 9457), whichever layer refuses (issue #17)."""

import pytest
from django.test import Client
from rest_framework import status

from marketplace.actions import api_token_issue
from marketplace.api import views as marketplace_views
from tests.problems import field_errors, problem_of

pytestmark = pytest.mark.django_db

FIRMS = "/api/v1/firms/"


def test_validation_errors_name_each_field_with_a_dotted_path(api, personas):
    response = api(personas.officer).post(
        "/api/v1/programme-years/",
        {"year": "not a year", "package": [{"quota": -1}]},
        format="json",
    )
    body = problem_of(response, status.HTTP_400_BAD_REQUEST, "invalid")
    assert body["title"] == "The input is invalid"
    fields = {error["field"] for error in body["errors"]}
    assert "year" in fields
    assert all(error["code"] and error["detail"] for error in body["errors"])
    assert "year" in body["detail"]


def test_a_missing_body_field_has_its_own_code(api, personas):
    response = api(personas.officer).post(FIRMS, {}, format="json")
    body = problem_of(response, status.HTTP_400_BAD_REQUEST, "invalid")
    codes = {error["field"]: error["code"] for error in body["errors"]}
    assert codes["name"] == "required"


def test_unauthenticated_is_a_401_problem_with_its_challenge(api):
    response = api().get(FIRMS)
    body = problem_of(response, status.HTTP_401_UNAUTHORIZED, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"
    assert body["errors"] == []


def test_a_bad_token_is_a_401_problem(personas):
    response = Client(HTTP_AUTHORIZATION="Token nope", HTTP_ACCEPT_LANGUAGE="en").get(FIRMS)
    problem_of(response, status.HTTP_401_UNAUTHORIZED, "authentication_failed")


def test_a_role_refusal_is_a_403_problem(api, personas):
    response = api(personas.firm_member).post(FIRMS, {"name": "x"}, format="json")
    body = problem_of(response, status.HTTP_403_FORBIDDEN, "permission_denied")
    assert body["detail"] == "Only a programme officer can do this."


def test_an_unknown_id_is_a_404_problem(api, personas):
    problem_of(api(personas.officer).get(f"{FIRMS}999999/"), status.HTTP_404_NOT_FOUND, "not_found")


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v1/no/such", "/api/v2/firms/"])
def test_an_unknown_api_path_is_a_404_problem(api, personas, path):
    for method in ("get", "post", "delete"):
        response = getattr(api(personas.officer), method)(path)
        body = problem_of(response, status.HTTP_404_NOT_FOUND, "not_found")
        assert body["detail"] == "There is no API endpoint at this address."


def test_a_wrong_method_is_a_405_problem(api, personas):
    response = api(personas.officer).delete(FIRMS)
    problem_of(response, status.HTTP_405_METHOD_NOT_ALLOWED, "method_not_allowed")


def test_a_body_of_another_media_type_is_a_415_problem(api, personas):
    response = api(personas.officer).post(FIRMS, "name=x", content_type="text/plain")
    problem_of(response, status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")


def test_unreadable_json_is_a_400_parse_error(api, personas):
    response = api(personas.officer).post(FIRMS, "{", content_type="application/json")
    problem_of(response, status.HTTP_400_BAD_REQUEST, "parse_error")


def test_an_unknown_ordering_is_a_400_naming_the_parameter(api, personas):
    response = api(personas.officer).get(FIRMS, {"ordering": "secret"})
    problem_of(response, status.HTTP_400_BAD_REQUEST, "invalid")
    assert list(field_errors(response)) == ["ordering"]


def test_a_refused_state_change_is_a_409_problem_with_the_actions_code(api, personas):
    response = api(personas.officer).post(f"/api/v1/agencies/{personas.agency.pk}/approve/")
    body = problem_of(response, status.HTTP_409_CONFLICT)
    assert body["code"] not in {"", "conflict"}
    assert body["title"] == "Conflict"


def test_throttling_is_a_429_problem_with_retry_after(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"chat": "1/min"},
    }
    ask = {
        "path": "/api/v1/chat/answer",
        "data": {"text": "fee"},
        "content_type": "application/json",
    }
    assert client.post(**ask).status_code == status.HTTP_200_OK
    response = client.post(**ask)
    problem_of(response, status.HTTP_429_TOO_MANY_REQUESTS, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60


def test_item_13_oversized_api_body_answers_problem_json(personas, settings):
    """Issue #14 item 13: a body past DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 problem, whichever
    parser meets it: a JSON body (by token and by session) or a multipart field."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    _row, token = api_token_issue(user=personas.firm_member)
    by_token = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")
    json_body = by_token.post(
        "/api/v1/custody-requests/", {"needs": "x" * 4096}, content_type="application/json"
    )
    by_session = Client(HTTP_ACCEPT_LANGUAGE="en")
    by_session.force_login(personas.firm_member)
    session_json = by_session.post(
        "/api/v1/custody-requests/", {"needs": "x" * 4096}, content_type="application/json"
    )
    multipart_field = by_token.post(
        "/api/v1/assets/import/", {"firm": str(personas.firm.pk), "note": "x" * 4096}
    )
    for response in (json_body, session_json, multipart_field):
        body = problem_of(response, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "request_too_large")
        assert body["detail"] == "The request body is larger than this server accepts."


def test_a_server_error_on_an_api_path_is_a_500_problem(personas, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(marketplace_views.MeView, "get_object", broken)
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas.firm_member)
    response = client.get("/api/v1/me/")
    body = problem_of(response, status.HTTP_500_INTERNAL_SERVER_ERROR, "server_error")
    assert "a bug" not in response.content.decode()
    assert body["title"] == "Server error"


def test_problems_speak_the_requests_language(personas):
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(FIRMS)
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(FIRMS)
    zh, en = problem_of(chinese), problem_of(english)
    assert (zh["code"], zh["type"], zh["status"]) == (en["code"], en["type"], en["status"])
    assert en["title"] == "Not signed in"
    assert zh["title"] != en["title"]
    assert zh["detail"] != en["detail"]


def test_a_locked_out_token_request_is_a_429_problem(client, personas, settings):
    settings.AXES_FAILURE_LIMIT = 1
    ask = {
        "path": "/api/v1/auth/token/",
        "data": {"username": "alice", "password": "wrong"},
        "content_type": "application/json",
    }
    client.post(**ask)
    response = client.post(**ask)
    problem_of(response, status.HTTP_429_TOO_MANY_REQUESTS, "locked_out")
    assert int(response["Retry-After"]) > 0
