import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


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

    assert links == [
        reverse("frontend:firm-home"),
        reverse("frontend:request-list"),
        reverse("frontend:portfolio-mine"),
        reverse("frontend:deadline-board"),
        reverse("frontend:agency-list"),
    ]


def test_navigation_of_officer_reaches_every_list(client, personas):
    client.force_login(personas.officer)

    response = client.get(reverse("frontend:office-home"))

    navigation = response.context["portal_navigation"]
    assert [item["label"] for item in navigation] == [
        "Programme office",
        "Dashboard",
        "Custody",
        "Participants",
        "Assistant",
    ]
    links = navigation[:2] + [child for item in navigation[2:] for child in item["children"]]
    assert [item["url"] for item in links] == [
        reverse("frontend:office-home"),
        reverse("frontend:dashboard-programme"),
        reverse("frontend:request-list"),
        reverse("frontend:engagement-list"),
        reverse("frontend:deadline-board"),
        reverse("frontend:allocation"),
        reverse("frontend:agency-changes"),
        reverse("frontend:payments-office"),
        reverse("frontend:incubator-list"),
        reverse("frontend:firm-list"),
        reverse("frontend:agency-list"),
        reverse("chat:inbox"),
        reverse("chat:analytics"),
        reverse("chat:learning"),
    ]
    assert [item["active"] for item in links] == [True] + [False] * (len(links) - 1)
    for item in links:
        assert client.get(item["url"]).status_code == 200


def test_a_page_below_a_list_lights_up_its_menu(client, personas):
    client.force_login(personas.officer)

    response = client.get(reverse("frontend:firm-detail", args=[personas.firm.pk]))

    participants = response.context["portal_navigation"][3]
    assert participants["active"] is True
    assert [child["active"] for child in participants["children"]] == [False, True, False]


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


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("agency_consultant", "chat:inbox"),
        ("incubator_manager", "chat:inbox"),
    ],
)
def test_advisers_reach_their_consultation_inbox(client, personas, persona, expected):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse(expected))

    navigation = response.context["portal_navigation"]
    [item] = [item for item in navigation if item.get("url") == reverse(expected)]
    assert item["active"] is True
    assert response.status_code == 200
