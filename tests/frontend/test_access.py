"""Who may open which page: 200 for its own people, 403 for other roles, 404 for other tenants."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

FIRMS = {"firm_member", "other_firm_member"}
STAFF = {"agency_consultant", "rival_consultant"}
MANAGERS = {"incubator_manager", "other_manager"}
OFFICER = {"officer"}
SIGNED_IN = FIRMS | STAFF | MANAGERS | OFFICER


def _pages(personas):
    """(URL, who gets 200, who gets 404); every other signed-in persona gets 403."""
    return {
        "firm-home": (reverse("frontend:firm-home"), FIRMS, set()),
        "agency-home": (reverse("frontend:agency-home"), STAFF, set()),
        "incubator-home": (reverse("frontend:incubator-home"), MANAGERS, set()),
        "office-home": (reverse("frontend:office-home"), OFFICER, set()),
        "incubator-list": (reverse("frontend:incubator-list"), OFFICER, set()),
        "firm-list": (reverse("frontend:firm-list"), OFFICER | MANAGERS, set()),
        "agency-list": (reverse("frontend:agency-list"), OFFICER | MANAGERS | FIRMS, set()),
        "password-change": (reverse("frontend:password-change"), SIGNED_IN, set()),
        "firm-detail": (
            reverse("frontend:firm-detail", args=[personas.firm.pk]),
            {"firm_member", "incubator_manager", "officer"},
            {"other_firm_member", "other_manager"} | STAFF,
        ),
        "agency-detail": (
            reverse("frontend:agency-detail", args=[personas.agency.pk]),
            {"agency_consultant"} | OFFICER | MANAGERS | FIRMS,
            {"rival_consultant"},
        ),
    }


PAGE_NAMES = [
    "firm-home",
    "agency-home",
    "incubator-home",
    "office-home",
    "incubator-list",
    "firm-list",
    "agency-list",
    "password-change",
    "firm-detail",
    "agency-detail",
]


@pytest.mark.parametrize("page", PAGE_NAMES)
@pytest.mark.parametrize("persona", sorted(SIGNED_IN))
def test_page_answers_by_persona(client, personas, page, persona):
    url, allowed, hidden = _pages(personas)[page]
    client.force_login(getattr(personas, persona))

    response = client.get(url)

    expected = 200 if persona in allowed else 404 if persona in hidden else 403
    assert response.status_code == expected


@pytest.mark.parametrize("page", PAGE_NAMES)
def test_anonymous_is_sent_to_log_in(client, personas, page):
    url = _pages(personas)[page][0]

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('frontend:login')}?next={url}"


@pytest.mark.parametrize(
    "name",
    [
        "frontend:home",
        "frontend:login",
        "frontend:password-reset",
        "frontend:signup-firm",
        "frontend:signup-agency",
    ],
)
def test_public_pages_open_to_anonymous(client, db, name):
    assert client.get(reverse(name)).status_code == 200


def test_forbidden_page_explains_and_links_home(client, personas):
    client.force_login(personas.firm_member)

    response = client.get(reverse("frontend:office-home"))

    assert response.status_code == 403
    assert "This page is not for your role" in response.text
    assert reverse("frontend:role-home") in response.text


def test_unapproved_agency_is_hidden_from_firms(client, personas):
    from tests.factories import AgencyFactory

    applicant = AgencyFactory()
    client.force_login(personas.firm_member)

    response = client.get(reverse("frontend:agency-detail", args=[applicant.pk]))

    assert response.status_code == 404
    # The portal's own page, inside the layout, leading back home.
    assert 'id="main"' in response.text
    assert f'href="{reverse("frontend:role-home")}"' in response.text


# --- Custody: requests, offers, engagements, allocation, notifications -------------------


@pytest.fixture
def custody_world(personas, engagement, programme):
    """Alice under custody with the consultant's agency; Bob's request previewed by the office."""
    from marketplace import actions

    bob_request = actions.request_submit(
        firm=personas.other_firm,
        by=personas.other_firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    run = actions.allocation_preview(
        programme_year=programme, by=personas.officer, request_ids=[bob_request.pk]
    )
    return {"engagement": engagement, "run": run}


def _custody_pages(world):
    engagement = world["engagement"]
    return {
        "request-list": (reverse("frontend:request-list"), FIRMS | MANAGERS | OFFICER, set()),
        "request-detail": (
            reverse("frontend:request-detail", args=[engagement.request_id]),
            {"firm_member", "incubator_manager", "officer"},
            {"other_firm_member", "other_manager"},
        ),
        "offer-inbox": (reverse("frontend:offer-inbox"), STAFF, set()),
        "offer-detail": (
            reverse("frontend:offer-detail", args=[engagement.offer_id]),
            {"agency_consultant", "officer"},
            {"rival_consultant"},
        ),
        "engagement-list": (
            reverse("frontend:engagement-list"),
            STAFF | MANAGERS | OFFICER,
            set(),
        ),
        "engagement-detail": (
            reverse("frontend:engagement-detail", args=[engagement.pk]),
            {"firm_member", "agency_consultant", "incubator_manager", "officer"},
            {"other_firm_member", "rival_consultant", "other_manager"},
        ),
        "allocation": (reverse("frontend:allocation"), OFFICER, set()),
        "allocation-run": (
            reverse("frontend:allocation-run", args=[world["run"].pk]),
            OFFICER,
            set(),
        ),
        "agency-changes": (reverse("frontend:agency-changes"), OFFICER, set()),
        "notifications": (reverse("frontend:notifications"), SIGNED_IN, set()),
    }


CUSTODY_PAGES = [
    "request-list",
    "request-detail",
    "offer-inbox",
    "offer-detail",
    "engagement-list",
    "engagement-detail",
    "allocation",
    "allocation-run",
    "agency-changes",
    "notifications",
]


@pytest.mark.parametrize("page", CUSTODY_PAGES)
@pytest.mark.parametrize("persona", sorted(SIGNED_IN))
def test_custody_page_answers_by_persona(client, personas, custody_world, page, persona):
    url, allowed, hidden = _custody_pages(custody_world)[page]
    client.force_login(getattr(personas, persona))

    response = client.get(url)

    expected = 200 if persona in allowed else 404 if persona in hidden else 403
    assert response.status_code == expected


@pytest.mark.parametrize("page", CUSTODY_PAGES)
def test_custody_pages_send_anonymous_to_log_in(client, personas, custody_world, page):
    url = _custody_pages(custody_world)[page][0]

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('frontend:login')}?next={url}"


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        # Both firms have applied, so the page leads each to its live request.
        ("firm_member", 302),
        ("other_firm_member", 302),
        ("agency_consultant", 403),
        ("incubator_manager", 403),
        ("officer", 403),
    ],
)
def test_apply_page_is_for_firm_members(client, personas, custody_world, persona, expected):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse("frontend:request-new"))

    assert response.status_code == expected
