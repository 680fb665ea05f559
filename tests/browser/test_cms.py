"""The public site in a real browser: the language switch on a course, and registering for an event."""

import importlib
import re

import pytest
from django.apps import apps
from django.core.cache import cache
from playwright.sync_api import expect
from wagtail.models import Locale, Page

from cms.models import EventRegistration, HomePage, TrainingIndexPage
from tests.cms.conftest import make_course, make_event, translate
from tests.conftest import make_personas
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _site_tree():
    """The tree migration cms 0002 makes; an earlier browser test's flush removed it."""
    if HomePage.objects.exists():
        return
    migration = importlib.import_module("cms.migrations.0002_site_tree_groups_and_workflow")
    locale, _created = Locale.objects.get_or_create(language_code="zh-hans")
    if not Page.objects.filter(depth=1).exists():
        Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    migration.build_site(apps, None)


@pytest.fixture
def training():
    _site_tree()
    cache.clear()
    yield {
        code: TrainingIndexPage.objects.get(locale__language_code=code)
        for code in ("zh-hans", "en")
    }
    cache.clear()


def test_language_switch_on_a_course_opens_the_same_course_in_english(page, live_server, training):
    chinese = make_course(training["zh-hans"], title="专利年费管理", slug="patent-fees")
    english = translate(
        chinese, training["en"].locale, title="Managing patent fees", slug="patent-fees-en"
    )

    page.goto(f"{live_server.url}{chinese.url}")
    expect(page.locator("[data-testid=course-title]")).to_have_text("专利年费管理")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.click("[data-testid=language-switch] a")

    expect(page).to_have_url(f"{live_server.url}{english.url}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-testid=course-title]")).to_have_text("Managing patent fees")
    # And back again, on the same course.
    page.click("[data-testid=language-switch] a")
    expect(page.locator("[data-testid=course-title]")).to_have_text("专利年费管理")


def test_firm_member_registers_for_an_event(page, live_server, log_in, training):
    personas = make_personas()
    event = make_event(training["zh-hans"], title="专利挖掘工作坊", capacity=1)

    log_in(page, "alice", PASSWORD)
    page.goto(f"{live_server.url}{event.url}")
    expect(page.locator("[data-testid=event-places]")).to_contain_text("1")
    page.click("[data-testid=register-button]")

    expect(page.locator("[data-testid=registration-status]")).to_be_visible()
    expect(page.locator("#messages .alert")).to_be_visible()
    registration = EventRegistration.objects.get()
    assert (registration.user, registration.status) == (personas.firm_member, "registered")

    # The next member finds the event full and joins the waiting list.
    page.context.clear_cookies()
    log_in(page, "bob", PASSWORD)
    page.goto(f"{live_server.url}{event.url}")
    page.click("[data-testid=register-button]")
    expect(page.locator("[data-testid=registration-status]")).to_have_text(re.compile("1"))
    assert EventRegistration.objects.get(user=personas.other_firm_member).status == "waitlisted"
