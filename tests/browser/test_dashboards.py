"""Both dashboards in the browser: open, filter, see the charts, download an export,
follow a figure to the list behind it."""

import io

import pytest
from openpyxl import load_workbook

from frontend.views.dashboards import chartjs_url
from tests.factories import PASSWORD
from tests.reporting.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(personas):
    return build_world(personas)


def _assert_charts(page, key):
    """Charts drawn from the tables' data when `make assets` installed Chart.js from npm;
    without npm, the tables alone."""
    if chartjs_url() is None:
        assert page.locator("canvas").count() == 0
        return
    page.wait_for_function("document.documentElement.dataset.chartsReady === 'true'")
    assert page.locator(f"canvas#chart-{key}").count() == 1


def test_manager_filters_the_incubator_dashboard_and_downloads_delivery(
    page, live_server, log_in, world, personas
):
    log_in(page, "manager", PASSWORD)
    page.goto(f"{live_server.url}/dashboards/incubator/")

    assert page.get_by_test_id("figure-eligible").inner_text() == "3"
    page.select_option("#id_industry", "ai")
    page.get_by_test_id("apply-filters").click()
    page.wait_for_load_state()
    assert "industry=ai" in page.url
    assert page.get_by_test_id("figure-eligible").inner_text() == "1"
    _assert_charts(page, "funnel")

    with page.expect_download() as info:
        page.get_by_test_id("export-funnel-xlsx").click()
    sheet = load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    assert sheet.cell(row=2, column=2).value == 1

    # The figure opens the list behind it, under the same filters.
    page.get_by_test_id("dashboard-figures").get_by_role("link").first.click()
    page.wait_for_load_state()
    assert "stage=eligible" in page.url and "industry=ai" in page.url
    assert page.locator("main table tbody tr").count() == 1


def test_officer_opens_the_programme_dashboard_with_charts(
    page, live_server, log_in, world, personas
):
    log_in(page, "officer", PASSWORD)
    page.goto(f"{live_server.url}/dashboards/programme/?year=2026")

    assert page.get_by_test_id("figure-covered").inner_text() == "3"
    scorecards = page.get_by_test_id("table-scorecards")
    assert personas.agency.name in scorecards.inner_text()
    page.select_option("#id_incubator", str(personas.other_incubator.pk))
    page.get_by_test_id("apply-filters").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("figure-covered").inner_text() == "2"
    _assert_charts(page, "covered")

    with page.expect_download() as info:
        page.get_by_test_id("export-scorecards-csv").click()
    text = info.value.path().read_bytes().decode("utf-8-sig")
    assert personas.agency.name in text
