"""The agency manages a client's portfolio: it adds a patent (a wrong check digit first),
finds its annual fees on the asset page, marks one done, and the firm sees it done."""

import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from custody import numbers
from custody.models import Deadline, IPAsset, OfficialFee
from marketplace import actions
from tests.conftest import make_personas
from tests.custody.service_helpers import temporary_private_storage
from tests.factories import PASSWORD
from tests.frontend.conftest import make_programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DIGITS = "202010123456"  # filed 2020, 5th digit 1: an invention


@pytest.fixture(autouse=True)
def official_fees():
    # The fee table is seeded by a migration; an earlier transactional test may have
    # flushed it, so it is seeded again here as the migration does.
    if not OfficialFee.objects.exists():
        importlib.import_module("custody.migrations.0008_seed_official_fees").seed(apps, None)


@pytest.fixture(autouse=True)
def private_storage(tmp_path, monkeypatch):
    return temporary_private_storage(tmp_path, monkeypatch)


def _engagement():
    personas = make_personas()
    programme = make_programme(personas)
    request = actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    offer = actions.offer_make(request=request, agency=personas.agency, by=personas.firm_member)
    return personas, actions.offer_accept(offer=offer, by=personas.agency_consultant)


def test_agency_adds_a_patent_and_meets_its_annual_fee(page, browser, live_server, log_in, zh):
    personas, engagement = _engagement()
    right = numbers.patent_check_digit(DIGITS)
    wrong = "0" if right != "0" else "1"

    # From the engagement page to the client's (empty) portfolio and its add form.
    log_in(page, "consultant", PASSWORD)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    page.locator("[data-testid=portfolio-link]").click()
    expect(page.locator("[data-testid=portfolio-heading]")).to_have_text(personas.firm.name)
    expect(page.locator("[data-testid=portfolio-empty]")).to_be_visible()
    page.locator("[data-testid=add-asset]").click()

    form = page.locator("[data-testid=asset-form]")
    # portfolio.js shows a patent's fields only; a trademark's appear when it is chosen.
    expect(form.locator("input[name=filing_date]")).to_be_visible()
    expect(form.locator("input[name=nice_classes]")).to_be_hidden()
    form.locator("select[name=kind]").select_option("trademark")
    expect(form.locator("input[name=nice_classes]")).to_be_visible()
    expect(form.locator("input[name=filing_date]")).to_be_hidden()
    form.locator("select[name=kind]").select_option("patent")

    form.locator("input[name=number]").fill(f"ZL {DIGITS}.{wrong}")
    form.locator("input[name=title]").fill("一种抗体纯化方法")
    form.locator("select[name=status]").select_option("in_force")
    form.locator("input[name=filing_date]").fill("2020-03-10")
    form.locator("input[name=grant_date]").fill("2022-01-05")
    form.locator("button[type=submit]").click()

    # The error sits under the number and names the digit it should have.
    message = zh("The check digit %(given)s is wrong: the check digit should be %(digit)s.") % {
        "given": wrong,
        "digit": right,
    }
    number_field = page.locator("[data-testid=asset-form] input[name=number]")
    expect(number_field).to_have_class("form-control is-invalid")
    expect(page.locator(".invalid-feedback", has_text=message)).to_be_visible()
    assert not IPAsset.objects.exists()

    number_field.fill(f"ZL {DIGITS}.{right}")
    page.locator("[data-testid=asset-form] button[type=submit]").click()
    expect(page.locator("#messages .alert-success")).to_be_visible()
    expect(page.locator("[data-testid=asset-number]")).to_have_text(f"{DIGITS}.{right}")

    # Its annual fees are on the asset page, each leading to its deadline page.
    fees = page.locator("[data-testid=asset-deadline][data-kind=annual_fee]")
    expect(fees.first).to_be_visible()
    first_fee = Deadline.objects.filter(kind=Deadline.Kind.ANNUAL_FEE).order_by("due_on").first()
    fees.first.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/deadlines/{first_fee.pk}/")
    # The official fee of that year (an invention's years 7–9: ¥2,000), and reduced by 85 %.
    expect(page.locator("[data-testid=fee-payable]")).to_have_text(re.compile(r"¥2,?000\.00"))
    expect(page.locator("[data-testid=fee-reduced]")).to_contain_text("¥300.00")

    mark = page.locator("#mark-done")
    mark.locator("textarea[name=note]").fill("年费已缴，收据号 2026-001")
    mark.get_by_role("button", name=zh("Mark done")).click()
    expect(page.locator("#messages .alert-success")).to_be_visible()
    expect(page.locator("[data-testid=deadline-state]")).to_have_text(zh("Done"))
    first_fee.refresh_from_db()
    assert first_fee.done_by == personas.agency_consultant

    # Alice opens her portfolio from the navigation and sees the fee done.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    alice = context.new_page()
    log_in(alice, "alice", PASSWORD)
    alice.locator("#portal-nav").get_by_role("link", name=zh("Portfolio"), exact=True).click()
    row = alice.locator("[data-testid=asset-row]")
    expect(row).to_have_count(1)
    # What keeping the portfolio costs over five years: a table and its chart, drawn under
    # the page's Content-Security-Policy.
    expect(alice.locator("[data-testid=table-fee-forecast] tbody tr")).to_have_count(5)
    alice.wait_for_function("document.documentElement.dataset.chartsReady === 'true'")
    row.get_by_role("link", name=f"{DIGITS}.{right}").click()
    done = alice.locator("[data-testid=asset-deadline]").filter(
        has=alice.locator(f"a[href='/deadlines/{first_fee.pk}/']")
    )
    expect(done.locator("[data-testid=asset-deadline-state]")).to_have_text(zh("Done"))
    alice.goto(f"{live_server.url}/deadlines/?state=done")
    expect(alice.locator("[data-testid=deadline-row]")).to_have_count(1)
    context.close()
