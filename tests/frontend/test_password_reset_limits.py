"""Issue #14 item 10: password-reset e-mails are limited per address and per client, and the
page answers alike whether or not the address has an account."""

import pytest
from django.core.cache import cache
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/password/reset/"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reset(client, django_capture_on_commit_callbacks):
    def ask(email, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, {"email": email}, **headers)

    return ask


def test_item_10_reset_emails_are_limited_per_address(personas, reset, mailoutbox, settings):
    settings.PASSWORD_RESET_PER_ADDRESS = 3

    answers = [reset("alice@example.com") for _ in range(5)]
    # The address is one however it is written.
    answers.append(reset("ALICE@example.com "))

    assert len(mailoutbox) == 3
    assert {(a.status_code, a.url) for a in answers} == {
        (302, reverse("frontend:password-reset-done"))
    }


def test_item_10_the_answer_does_not_tell_whether_an_address_has_an_account(
    personas, reset, mailoutbox, settings
):
    settings.PASSWORD_RESET_PER_ADDRESS = 1

    known = [reset("alice@example.com") for _ in range(2)]
    unknown = [reset("nobody@example.com") for _ in range(2)]

    assert len(mailoutbox) == 1
    assert {(a.status_code, a.url) for a in known + unknown} == {
        (302, reverse("frontend:password-reset-done"))
    }


def test_item_10_reset_requests_are_limited_per_client(personas, reset, mailoutbox, settings):
    settings.PASSWORD_RESET_PER_CLIENT = 2

    first = reset("alice@example.com", REMOTE_ADDR="203.0.113.7")
    second = reset("nobody@example.com", REMOTE_ADDR="203.0.113.7")
    third = reset("bob@example.com", REMOTE_ADDR="203.0.113.7", HTTP_ACCEPT_LANGUAGE="zh-hans")
    elsewhere = reset("bob@example.com", REMOTE_ADDR="198.51.100.9")

    assert (first.status_code, second.status_code) == (302, 302)
    assert third.status_code == 429
    assert "申请重置密码的次数过多" in third.content.decode()
    assert elsewhere.status_code == 302
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.com", "bob@example.com"]


def test_item_10_a_forged_forwarded_for_does_not_escape_the_client_limit(personas, reset, settings):
    settings.PASSWORD_RESET_PER_CLIENT = 2
    settings.TRUST_X_FORWARDED_FOR = True
    # The proxy appends the address it saw; what comes before is the client's own writing.
    answers = [
        reset(
            "nobody@example.com",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7",
        )
        for n in range(3)
    ]
    assert [a.status_code for a in answers] == [302, 302, 429]

    settings.TRUST_X_FORWARDED_FOR = False
    cache.clear()
    answers = [
        reset("nobody@example.com", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        for n in range(3)
    ]
    assert [a.status_code for a in answers] == [302, 302, 429]


def test_item_10_limits_can_be_turned_off(personas, reset, mailoutbox, settings):
    settings.PASSWORD_RESET_PER_ADDRESS = 0
    settings.PASSWORD_RESET_PER_CLIENT = 0

    for _ in range(6):
        reset("alice@example.com")

    assert len(mailoutbox) == 6


def test_item_10_the_cms_password_reset_is_limited_too(client, personas, settings):
    settings.PASSWORD_RESET_PER_CLIENT = 2

    answers = [
        client.post("/cms/password_reset/", {"email": "nobody@example.com"}) for _ in range(3)
    ]

    assert [a.status_code for a in answers] == [302, 302, 429]
    assert answers[0].url == reverse("wagtailadmin_password_reset_done")
