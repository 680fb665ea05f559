"""Every role's main pages, in Chinese and English, each reviewed on a desktop and a 390 px
phone as a reviewer would (tests/browser/journeys.py): axe-core (from npm, injected by the
test) finds no serious or critical WCAG 2.1 AA violation, no internal code (an event or
constraint name) shows, the page's own words are in the page's language, and nothing runs off
a phone's screen. The role journeys walk each role's work; this visits every main page."""

import datetime

import pytest

from custody import actions as custody_actions
from custody import numbers
from marketplace import actions
from marketplace.models import User
from tests.browser.journeys import LANGUAGES, Journey, Walk
from tests.conftest import make_personas
from tests.custody.conftest import patent_fields
from tests.frontend.conftest import make_programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _world():
    personas = make_personas()
    programme = make_programme(personas)
    request = actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    offer = actions.offer_make(request=request, agency=personas.agency, by=personas.firm_member)
    engagement = actions.offer_accept(offer=offer, by=personas.agency_consultant)
    digits = "201710005164"
    custody_actions.asset_create(
        firm=personas.firm,
        by=personas.firm_member,
        fields=patent_fields(
            number=f"CN{digits}.{numbers.patent_check_digit(digits)}",
            filing_date=datetime.date(2017, 1, 15),
        ),
    )
    firm = personas.firm.pk
    return {
        None: ["/faq/", "/login/"],
        "alice": [
            "/firm/",
            "/requests/",
            f"/requests/{request.pk}/",
            "/deadlines/",
            f"/firms/{firm}/portfolio/",
            "/notifications/",
        ],
        "consultant": [
            "/agency/",
            "/offers/",
            f"/engagements/{engagement.pk}/",
            "/deadlines/",
            "/dashboards/agency/",
        ],
        "manager": ["/incubator/", "/firms/", "/dashboards/incubator/"],
        "officer": [
            "/office/",
            "/agencies/",
            "/firms/",
            "/dashboards/programme/",
            "/office/payments/",
            "/office/allocation/",
        ],
    }


@pytest.mark.slow
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_roles_pages_pass_the_review(browser, live_server, language):
    pages = _world()
    # People's usernames are theirs to choose (other_manager): data, not a code.
    usernames = list(User.objects.values_list("username", flat=True))
    found = {}
    for username, paths in pages.items():
        journey = Journey(browser, live_server, Walk(language, 1280), data=usernames)
        if username:
            journey.sign_in(User.objects.get(username=username))
        for path in paths:
            journey.visit(path, note=username or "visitor")
        found.update(journey.problems)
        journey.context.close()

    assert not found, found
