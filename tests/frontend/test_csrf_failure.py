"""Issue #14 item 13: a refused form gets the site's own page, in both languages, with a way back."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "title", "back"),
    [("zh-hans", "表单已失效", "返回表单"), ("en", "The form has expired", "Back to the form")],
)
def test_item_13_csrf_failure_is_the_sites_own_page(personas, language, title, back):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(personas.firm_member)
    form_page = "http://testserver" + reverse("frontend:password-change")

    response = client.post(
        reverse("frontend:password-change"),
        {"old_password": "x", "new_password1": "y", "new_password2": "y"},
        HTTP_REFERER=form_page,
    )

    assert response.status_code == 403
    assert [t.name for t in response.templates][0] == "csrf_failure.html"
    body = response.content.decode()
    assert title in body
    assert back in body
    assert f'href="{form_page}"' in body
    assert "CSRF verification failed" not in body


def test_item_13_csrf_failure_offers_no_way_back_to_another_site(personas):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")

    response = client.post(
        reverse("frontend:login"),
        {"username": "alice", "password": "x"},
        HTTP_REFERER="https://evil.example/phish",
    )

    assert response.status_code == 403
    body = response.content.decode()
    assert "evil.example" not in body
    assert f'href="{reverse("frontend:home")}"' in body
