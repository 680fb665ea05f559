"""A visitor's journey (issue #18): from the public home through the navigation to the FAQ,
a category, a search for a question; in Chinese and in English, each page reviewed at 1280
and 390 px (tests/browser/journeys.py)."""

import re

import pytest
from playwright.sync_api import expect

from cms.faq_io import import_faq
from demo.cms import FAQ_FILES, FIXTURES
from tests.browser.journeys import Journey, reseed, walks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# One question of the programme's own FAQ (demo/fixtures), as each language asks it.
QUESTION = {"zh-hans": "专利年费", "en": "patent annual fee"}


@walks
def test_visitor_finds_the_faq_and_an_answer(browser, live_server, walk):
    reseed()
    report = import_faq(
        line for name in FAQ_FILES for line in (FIXTURES / name).read_text("utf-8").splitlines()
    )
    assert report.total > 0
    journey = Journey(browser, live_server, walk, role="visitor")
    page = journey.page

    journey.visit("/")
    # The FAQ is in the navigation of every page (folded into the menu on a phone).
    journey.navigate("/faq/")
    expect(page).to_have_url(journey.url("/faq/"))
    journey.review()
    sections = page.get_by_test_id("faq-section")
    expect(sections.first).to_be_visible()
    first = sections.first.locator("details").first
    journey.press(first.locator("summary"))
    expect(first.locator(".card-body").last).to_be_visible()
    journey.review("an answer open")

    # A category narrows the list to its own questions.
    categories = page.get_by_test_id("faq-categories").locator("a")
    expect(categories).not_to_have_count(0)
    journey.press(categories.nth(1))
    expect(page).to_have_url(re.compile(re.escape(journey.url("/faq/?category=")) + r"\w"))
    expect(sections).to_have_count(1)
    journey.review()

    # A search from the FAQ page finds questions in the page's language.
    page.fill("#faq-q", QUESTION[journey.language])
    journey.press(page.locator("form[role=search] button[type=submit]").first)
    expect(page.get_by_test_id("faq-results")).to_be_visible()
    journey.review()

    visited = journey.finish()
    print(f"visitor {walk}: {visited}")
