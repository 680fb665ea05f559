"""Issue #14 item 4: API tokens are stored hashed, expire, die with a password change or reset
(every path), and their owner lists and revokes them on the account page and over the API."""

import datetime

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from knox.models import AuthToken
from rest_framework.test import APIClient

from core.models import AuditEvent
from marketplace.actions import api_token_issue
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
TOKENS = "/api/v1/auth/tokens/"
ME = "/api/v1/me/"
NEW_PASSWORD = "a-new-and-long-passphrase"


def _token_for(username="alice"):
    response = APIClient().post(TOKEN, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def _works(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get(ME).status_code == 200


def test_item_04_tokens_are_stored_as_digests_only(personas):
    body = _token_for()

    row = AuthToken.objects.get(user=personas.firm_member)
    assert body["token"] not in {row.digest, row.token_key}
    assert body["token"].startswith(row.token_key)
    assert len(row.digest) == 128  # SHA-512
    assert body["token_key"] == row.token_key
    assert _works(body["token"])


def test_item_04_each_request_gets_a_new_token(personas):
    first, second = _token_for(), _token_for()

    assert first["token"] != second["token"]
    assert _works(first["token"]) and _works(second["token"])


def test_item_04_tokens_expire_after_the_configured_time(personas, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": datetime.timedelta(hours=2)}
    body = _token_for()
    expiry = datetime.datetime.fromisoformat(body["expiry"])
    assert abs(expiry - (timezone.now() + datetime.timedelta(hours=2))) < datetime.timedelta(
        minutes=1
    )

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        assert _works(body["token"])
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2, minutes=1)):
        assert not _works(body["token"])
    assert not AuthToken.objects.filter(user=personas.firm_member).exists()


def test_item_04_ttl_setting_comes_from_the_environment(settings):
    assert settings.REST_KNOX["TOKEN_TTL"] == datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def test_item_04_password_change_on_the_account_page_revokes_tokens(client, personas):
    body = _token_for()
    client.force_login(personas.firm_member)

    response = client.post(
        reverse("frontend:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert not _works(body["token"])
    event = AuditEvent.objects.get(action="user.api_tokens_revoked")
    assert event.data == {"count": 1}


def test_item_04_password_reset_link_revokes_tokens(client, personas):
    body = _token_for()
    user = personas.firm_member
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = reverse(
        "frontend:password-reset-confirm", args=[uid, default_token_generator.make_token(user)]
    )

    form_page = client.get(link, follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done.url == reverse("frontend:password-reset-complete")
    assert not _works(body["token"])


def test_item_04_password_set_in_the_admin_revokes_tokens(client, personas):
    body = _token_for()
    client.force_login(personas.officer)
    personas.officer.is_staff = personas.officer.is_superuser = True
    personas.officer.save(update_fields=["is_staff", "is_superuser"])

    response = client.post(
        reverse("admin:auth_user_password_change", args=[personas.firm_member.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302, response.context["form"].errors
    assert not _works(body["token"])


def test_item_04_owner_lists_and_revokes_tokens_over_the_api(personas):
    first, second = _token_for(), _token_for()
    api_token_issue(user=personas.other_firm_member)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first['token']}")

    listed = client.get(TOKENS).json()
    assert {row["token_key"] for row in listed} == {first["token_key"], second["token_key"]}
    assert [row["current"] for row in listed if row["token_key"] == first["token_key"]] == [True]
    assert all("token" not in row for row in listed)

    assert client.delete(f"{TOKENS}{second['token_key']}/").status_code == 204
    assert not _works(second["token"])
    assert _works(first["token"])
    assert AuditEvent.objects.filter(action="user.api_token_revoked").count() == 1


def test_item_04_nobody_revokes_anothers_token(personas):
    _row, token = api_token_issue(user=personas.other_firm_member)
    client = APIClient()
    client.force_authenticate(personas.firm_member)

    response = client.delete(f"{TOKENS}{token[:15]}/")

    assert response.status_code == 404
    assert _works(token)


def test_item_04_account_page_lists_issues_and_revokes(client, personas):
    first = _token_for()
    client.force_login(personas.firm_member)

    page = client.get(reverse("frontend:api-tokens"))
    assert first["token_key"] in page.text
    assert first["token"] not in page.text

    issued = client.post(reverse("frontend:api-token-new"))
    new_token = issued.context["new_token"]
    assert new_token in issued.text
    assert _works(new_token)

    client.post(reverse("frontend:api-token-revoke", args=[first["token_key"]]))
    assert not _works(first["token"])
    assert _works(new_token)

    client.post(reverse("frontend:api-tokens-revoke-all"))
    assert not _works(new_token)
    assert "no-api-tokens" in client.get(reverse("frontend:api-tokens")).text


def test_item_04_token_routes_are_in_the_schema(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    issued = paths["/api/v1/auth/token/"]["post"]["responses"]["200"]
    assert "IssuedToken" in str(issued)
    assert "get" in paths["/api/v1/auth/tokens/"]
    assert "delete" in paths["/api/v1/auth/tokens/{token_key}/"]
