"""Tables a firm reads on a 390 px phone, in Chinese and English: the deadline board is a card
per deadline with its date, fee and button on screen; the portfolio's five-year fee forecast is
a card per year of labelled figures (the five-column table stays for wider screens) with its
downloads on screen; nothing runs off the side."""

import datetime
import importlib

import pytest
from django.apps import apps
from playwright.sync_api import expect

from custody import actions as custody_actions
from custody import numbers
from custody.models import OfficialFee
from tests.conftest import make_personas
from tests.custody.conftest import patent_fields
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
LOCALES = pytest.mark.parametrize("locale", ["zh-CN", "en-US"], ids=["zh", "en"])


@pytest.fixture
def firm_on_a_phone(browser, live_server, log_in):
    """`open(path, locale)`: the page as alice sees it on a phone; her firm holds a patent
    with a long title and fees due."""
    # Seeded by a migration that an earlier transactional test may have flushed.
    if not OfficialFee.objects.exists():
        importlib.import_module("custody.migrations.0008_seed_official_fees").seed(apps, None)
    personas = make_personas()
    digits = "201710005164"
    custody_actions.asset_create(
        firm=personas.firm,
        by=personas.firm_member,
        fields=patent_fields(
            number=f"CN{digits}.{numbers.patent_check_digit(digits)}",
            title="一种用于低功耗存算一体芯片的散热结构及其制造方法",
            filing_date=datetime.date(2017, 1, 15),
        ),
    )
    contexts = []

    def open_page(path, locale):
        context = browser.new_context(viewport=PHONE, locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        log_in(page, "alice", PASSWORD)
        page.goto(f"{live_server.url}{path.format(firm=personas.firm.pk)}")
        return page

    yield open_page
    for context in contexts:
        context.close()


def _on_screen(locator):
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    return box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


@LOCALES
def test_the_deadline_board_fits_a_phone(firm_on_a_phone, locale):
    page = firm_on_a_phone("/deadlines/", locale)

    rows = page.locator("[data-testid=deadline-row]")
    expect(rows.first).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    assert all(_on_screen(rows.nth(index)) for index in range(rows.count()))
    # Each cell names its column on the card, the date first.
    due = rows.first.locator("td[data-label]").first
    expect(due).to_be_visible()
    label = due.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label.strip('"') == ("到期日" if locale == "zh-CN" else "Due on")


@LOCALES
def test_the_fee_forecast_is_a_card_per_year_on_a_phone(firm_on_a_phone, locale):
    page = firm_on_a_phone("/firms/{firm}/portfolio/", locale)

    cards = page.locator("[data-testid=fee-forecast-card]")
    expect(cards).to_have_count(5)
    expect(page.locator("[data-testid=table-fee-forecast]")).to_be_hidden()
    expect(cards.first.locator("dt").first).to_have_text(
        "专利年费" if locale == "zh-CN" else "Annual fees"
    )
    assert page.evaluate(OVERFLOW) <= 0
    assert all(_on_screen(cards.nth(index)) for index in range(cards.count()))
    for name in ("csv", "xlsx"):
        assert _on_screen(page.locator(f"[data-testid=export-fee-forecast-{name}]"))

    # On a wide screen the table is back and the cards are gone.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator("[data-testid=table-fee-forecast] tbody tr")).to_have_count(5)
    expect(cards.first).to_be_hidden()
