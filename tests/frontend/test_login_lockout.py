"""Five failed sign-ins lock a username (from that address) for 15 minutes: form and API."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_five_failures_lock_the_form_even_for_the_right_password(client, personas):
    alice = personas.firm_member.username
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _attempt in range(4):
            assert _sign_in(client, alice, "wrong").status_code == 200
        locked = _sign_in(client, alice, "wrong")
        assert locked.status_code == 429
        assert "15 minutes" in locked.content.decode()
        assert _sign_in(client, alice, PASSWORD).status_code == 429
        assert "_auth_user_id" not in client.session
    # Another person signs in meanwhile: the lock is on alice, not on the address.
    with time_machine.travel(start + datetime.timedelta(minutes=1), tick=False):
        bob = _sign_in(client, personas.other_firm_member.username, PASSWORD)
        assert bob.status_code == 302
    with time_machine.travel(start + datetime.timedelta(minutes=16), tick=False):
        client.logout()
        assert _sign_in(client, alice, PASSWORD).status_code == 302


def test_a_success_before_the_limit_clears_the_count(client, personas):
    alice = personas.firm_member.username
    for _attempt in range(4):
        _sign_in(client, alice, "wrong")
    assert _sign_in(client, alice, PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(4):
        assert _sign_in(client, alice, "wrong").status_code == 200


JSON = "application/json"


def test_the_token_endpoint_locks_with_a_json_answer(client, personas):
    credentials = {"username": personas.agency_consultant.username, "password": "wrong"}
    for _attempt in range(4):
        assert client.post("/api/v1/auth/token/", credentials, JSON).status_code == 400
    fifth = client.post("/api/v1/auth/token/", credentials, JSON, HTTP_ACCEPT_LANGUAGE="en")
    assert fifth.status_code == 429
    assert fifth.json()["code"] == "locked_out"
    right = client.post("/api/v1/auth/token/", credentials | {"password": PASSWORD}, JSON)
    assert right.status_code == 429
    assert "token" not in right.json()
