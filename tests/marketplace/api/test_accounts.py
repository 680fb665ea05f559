"""The `me` endpoint and token authentication."""

import pytest
from rest_framework import status
from rest_framework.test import APIClient

from tests.factories import PASSWORD
from tests.marketplace.api.utils import ANONYMOUS_STATUS, ids

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
TOKEN = "/api/v1/auth/token/"


@pytest.mark.parametrize(
    ("persona", "role", "memberships"),
    [
        ("firm_member", "firm_member", {"firm": "firm"}),
        ("agency_consultant", "agency_staff", {"agency": "agency"}),
        ("incubator_manager", "incubator_manager", {"incubator": "incubator"}),
        ("officer", "programme_officer", {}),
    ],
)
def test_me_describes_the_caller(api, personas, persona, role, memberships):
    response = api(getattr(personas, persona)).get(ME)
    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    assert body["role"] == role
    assert body["username"] == getattr(personas, persona).username
    for name in ("firm", "agency", "incubator"):
        expected = getattr(personas, memberships[name]).pk if name in memberships else None
        assert body[name] == expected
    assert body["is_programme_officer"] is (persona == "officer")
    assert body["is_agency_admin"] is (persona == "agency_consultant")


def test_me_display_name(api, personas):
    body = api(personas.officer).get(ME).json()
    assert body["display_name"] == "王处长"
    assert body["role_display"] == "Programme officer"


def test_me_needs_sign_in(api, personas):
    assert api().get(ME).status_code == ANONYMOUS_STATUS


def test_token_from_password_authenticates_later_calls(personas):
    client = APIClient()
    response = client.post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == status.HTTP_200_OK
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(ME).json()["username"] == "alice"
    assert ids(client.get("/api/v1/firms/")) == {personas.firm.pk}
    # Each request issues its own token (issue #14 item 4), with its expiry.
    again = APIClient().post(TOKEN, {"username": "alice", "password": PASSWORD}, format="json")
    assert again.json()["token"] != token
    assert again.json()["expiry"]


def test_wrong_password_gets_no_token(personas):
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(
        TOKEN, {"username": "alice", "password": "wrong"}, format="json"
    )
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert "token" not in response.json()


def test_bogus_token_is_refused(personas):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(ME).status_code == ANONYMOUS_STATUS


def test_session_login_works_too(personas):
    client = APIClient()
    client.force_login(personas.incubator_manager)
    assert client.get(ME).json()["incubator"] == personas.incubator.pk
