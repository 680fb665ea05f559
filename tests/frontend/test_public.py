import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_shows_live_figures_and_signup_links(client, personas):
    response = client.get(reverse("frontend:home"))

    assert response.status_code == 200
    assert response.context["figures"] == {
        "incubators": 2,
        "verified_firms": 2,
        "approved_agencies": 2,
    }
    assert 'data-testid="figure-agencies">2<' in response.text
    assert reverse("frontend:signup-firm") in response.text
    assert reverse("frontend:signup-agency") in response.text
    assert reverse("frontend:login") in response.text


def test_home_figures_leave_out_pending_firms_and_agencies(client, personas):
    from tests.factories import AgencyFactory, FirmFactory

    FirmFactory(incubator=personas.incubator)
    AgencyFactory()

    figures = client.get(reverse("frontend:home")).context["figures"]

    assert figures["verified_firms"] == 2
    assert figures["approved_agencies"] == 2


def test_home_shows_open_package_and_who_pays(client, open_year):
    response = client.get(reverse("frontend:home"))

    package = response.context["package"]
    assert package["year"] == open_year
    assert [row["amount"] for row in package["rows"]] == [2000, 500]
    assert (package["price"], package["government"], package["copay"]) == (2500, 2000, 500)
    # English groups thousands; zh-hans does not.
    assert "¥2,500.00" in response.text
    assert "¥2,000.00" in response.text
    assert "¥500.00" in response.text
    assert open_year.name in response.text


def test_home_says_when_no_year_is_open(client, db):
    response = client.get(reverse("frontend:home"))

    assert response.context["package"] is None
    assert "No programme year is taking applications at the moment." in response.text


def test_home_query_count_is_flat(client, open_year, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        client.get(reverse("frontend:home"))


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("firm_member", "frontend:firm-home"),
        ("other_firm_member", "frontend:firm-home"),
        ("agency_consultant", "frontend:agency-home"),
        ("rival_consultant", "frontend:agency-home"),
        ("incubator_manager", "frontend:incubator-home"),
        ("other_manager", "frontend:incubator-home"),
        ("officer", "frontend:office-home"),
    ],
)
def test_role_home_sends_each_persona_to_its_home(client, personas, persona, target):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse("frontend:role-home"))

    assert response.status_code == 302
    assert response.url == reverse(target)


def test_role_home_sends_users_without_a_portal_to_the_public_home(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(role="cms_editor"))

    response = client.get(reverse("frontend:role-home"))

    assert response.url == reverse("frontend:home")


def test_role_home_asks_anonymous_visitors_to_log_in(client, db):
    response = client.get(reverse("frontend:role-home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("frontend:login"))


def test_navigation_links_only_the_roles_pages(client, personas):
    client.force_login(personas.firm_member)

    links = [
        item["url"] for item in client.get(reverse("frontend:home")).context["portal_navigation"]
    ]

    assert links == [reverse("frontend:firm-home"), reverse("frontend:agency-list")]


def test_navigation_of_officer_reaches_every_list(client, personas):
    client.force_login(personas.officer)

    response = client.get(reverse("frontend:office-home"))

    navigation = response.context["portal_navigation"]
    assert [item["url"] for item in navigation] == [
        reverse("frontend:office-home"),
        reverse("frontend:incubator-list"),
        reverse("frontend:firm-list"),
        reverse("frontend:agency-list"),
    ]
    assert [item["active"] for item in navigation] == [True, False, False, False]
    for item in navigation:
        assert client.get(item["url"]).status_code == 200


@pytest.mark.chinese_default
def test_default_language_is_simplified_chinese(client, db):
    response = client.get(reverse("frontend:login"))

    assert '<html lang="zh-hans">' in response.text
    # Django's own catalogue translates the login form's labels.
    assert "用户名" in response.text
    assert 'name="language" value="en"' in response.text


def test_language_switch_turns_the_pages_into_english(client, db):
    response = client.post(
        reverse("set_language"),
        {"language": "en", "next": reverse("frontend:login")},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("frontend:login"), 302)]
    assert '<html lang="en">' in response.text
    assert "Username" in response.text
    assert "用户名" not in response.text
    # The switch now offers the way back.
    assert 'name="language" value="zh-hans"' in response.text


def test_every_page_has_the_language_switch_posting_the_current_path(client, personas):
    client.force_login(personas.incubator_manager)
    url = reverse("frontend:incubator-home") + "?verification=pending"

    response = client.get(url)

    assert f'action="{reverse("set_language")}"' in response.text
    assert 'name="next" value="/incubator/?verification=pending"' in response.text


def test_pages_carry_no_inline_script(client, personas):
    """A content security policy without 'unsafe-inline' must not break any page."""
    client.force_login(personas.incubator_manager)

    for url in (reverse("frontend:home"), reverse("frontend:incubator-home")):
        text = client.get(url).text
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text) == []
        assert " onclick=" not in text
        assert 'src="/static/bootstrap/js/bootstrap.bundle.min.js"' in text
        assert 'src="/static/django_htmx/htmx-2.min.js"' in text
