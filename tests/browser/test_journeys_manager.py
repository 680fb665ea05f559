"""An incubator manager's main journey (issue #18): confirms a firm that signed up from the
home's review panel, sees the home's tiles count it at once and the dashboard too, drills down from a
dashboard figure to the firms behind it and exports that list. In Chinese and in English;
every page it visits is reviewed at 1280 and 390 px (tests/browser/journeys.py)."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from marketplace.models import Firm
from tests.browser.journeys import Journey, bilingual_programme, reseed, walks
from tests.conftest import make_personas
from tests.factories import FirmFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEWCOMER = "待确认纳米材料科技"


def _tiles(page):
    """The home's tiles: waiting for you, verified firms, rejected."""
    return [page.get_by_test_id(f"tile-{name}") for name in ("pending", "verified", "rejected")]


def _expect_tiles(page, counts):
    for tile, count in zip(_tiles(page), counts, strict=True):
        expect(tile).to_have_text(str(count))


@walks
def test_manager_confirms_a_firm_drills_down_and_exports(browser, live_server, walk):
    reseed()
    personas = make_personas()
    bilingual_programme(personas)
    newcomer = FirmFactory(name=NEWCOMER, incubator=personas.incubator)
    journey = Journey(browser, live_server, walk, role="manager")
    journey.sign_in(personas.incubator_manager)
    page = journey.page

    # Confirm: the sign-up waits in the review panel and is confirmed in place.
    journey.visit("/incubator/")
    _expect_tiles(page, [1, 1, 0])
    page.evaluate("window.notReloaded = true")
    pending = page.get_by_test_id("pending-firm").filter(has_text=NEWCOMER)
    journey.press(pending.locator("form[action$='/verify/'] button"))
    expect(page.locator("#messages .alert-success")).to_contain_text(NEWCOMER)
    expect(page.get_by_test_id("pending-firm")).to_have_count(0)
    journey.review("confirmed")
    newcomer.refresh_from_db()
    assert newcomer.verification == Firm.Verification.VERIFIED
    # The tiles count the confirmed firm at once, swapped with the panel (no reload).
    _expect_tiles(page, [0, 2, 0])
    assert page.evaluate("window.notReloaded") is True

    # The dashboard counts both verified firms as eligible; its figure opens the list behind it.
    journey.visit("/dashboards/incubator/")
    expect(page.get_by_test_id("figure-eligible")).to_have_text("2")
    journey.press(page.get_by_test_id("dashboard-figures").get_by_role("link").first)
    expect(page).to_have_url(re.compile(r"[?&]stage=eligible"))
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("main table")).to_contain_text(NEWCOMER)
    # What the list is about is on screen, on a phone too (a card per firm).
    custody = page.get_by_test_id("firm-custody")
    assert all(journey.on_screen(custody.nth(row)) for row in range(2))
    journey.review()

    # The drilled-down list exports as it is shown, with its filter.
    with page.expect_download() as download:
        journey.press(page.get_by_test_id("firms-export-csv"))
    assert "stage=eligible" in download.value.url
    text = download.value.path().read_bytes().decode("utf-8-sig")
    exported = list(csv.reader(io.StringIO(text)))
    assert len(exported) == 3  # the header and the two firms
    assert NEWCOMER in text and personas.firm.name in text

    visited = journey.finish()
    print(f"manager {walk}: {visited}")
