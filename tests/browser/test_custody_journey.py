"""A firm applies, chooses an agency, the agency accepts; the office allocates a cohort."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from marketplace import actions
from marketplace.explain import describe_reason
from marketplace.models import AllocationRun, Engagement, Offer
from tests.conftest import make_personas
from tests.factories import PASSWORD
from tests.frontend.conftest import make_programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _in_chinese(function, *args):
    with translation.override("zh-hans"):
        return function(*args)


def test_firm_applies_chooses_an_agency_and_sees_its_engagement(
    page, browser, live_server, log_in, zh
):
    personas = make_personas()
    make_programme(personas)

    log_in(page, "alice", PASSWORD)
    page.locator("[data-testid=custody-card] a[href='/requests/new/']").click()

    # The standard package is ticked and priced; the price follows the ticks.
    expect(page.locator("[data-testid=price-total]")).to_have_text("¥6,000.00")
    expect(page.locator("[data-testid=price-government]")).to_have_text("¥4,800.00")
    expect(page.locator("[data-testid=price-copay]")).to_have_text("¥1,200.00")
    first_item = page.locator("[data-price-row] input[type=checkbox]").first
    first_item.uncheck()
    expect(page.locator("[data-testid=price-total]")).to_have_text("¥4,000.00")
    first_item.check()
    expect(page.locator("[data-testid=price-total]")).to_have_text("¥6,000.00")
    page.fill("textarea[name=needs]", "抗体药物专利布局")
    page.locator("form[data-price-form] button[type=submit]").click()

    # Ranked agencies, with the reasons in words.
    expect(page.locator("[data-testid=candidate]")).to_have_count(2)
    covers = _in_chinese(describe_reason, "coverage", {"covered": 3, "requested": 3})
    expect(page.locator("[data-testid=candidate-reasons]").first).to_contain_text(covers)
    chosen = page.locator("[data-testid=candidate]", has_text=personas.agency.name)
    chosen.get_by_role("link", name=zh("Choose this agency")).click()
    # The choice is read back (agency, the firm's share, the countdown) before it binds.
    expect(page.locator("[data-testid=choose-confirm]")).to_contain_text(personas.agency.name)
    page.locator("[data-testid=confirm-choice]").click()

    expect(page.locator("#messages .alert-success")).to_contain_text(personas.agency.name)
    expect(page.locator("[data-testid=pending-offer]")).to_contain_text(personas.agency.name)
    expect(page.locator("[data-testid=pending-offer] [data-testid=countdown]")).to_be_visible()
    request_page = page.url

    # The agency answers from its inbox.
    agency_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    agency_context.set_default_timeout(10_000)
    agency_page = agency_context.new_page()
    log_in(agency_page, "consultant", PASSWORD)
    expect(agency_page.locator("#portal-nav [data-testid=unread-count]")).to_have_text("1")
    agency_page.locator("#portal-nav a[href='/offers/']").click()
    row = agency_page.locator("[data-testid=offer-row]", has_text=personas.firm.name)
    expect(row.locator("[data-testid=countdown]")).to_be_visible()
    row.get_by_role("link", name=personas.firm.name).click()
    expect(agency_page.locator("[data-testid=match-reasons]")).to_contain_text(covers)
    expect(agency_page.locator("[data-testid=needs]")).to_have_text("抗体药物专利布局")
    agency_page.get_by_role("button", name=zh("Accept"), exact=True).click()

    expect(agency_page.locator("#messages .alert-success")).to_contain_text(personas.firm.name)
    expect(agency_page.locator("[data-testid=offer-outcome]")).to_be_visible()
    agency_context.close()

    # The firm sees its engagement running.
    page.goto(request_page)
    expect(page.locator("[data-testid=engaged]")).to_contain_text(personas.agency.name)
    expect(page.locator("[data-testid=engagement-item]")).to_have_count(3)
    expect(page.locator("[data-testid=engagement-government]")).to_have_text("¥4,800.00")
    expect(page.locator("[data-testid=engagement-copay]")).to_have_text("¥1,200.00")
    engagement = Engagement.objects.get()
    assert engagement.agency == personas.agency
    assert engagement.status == Engagement.Status.ACTIVE


def test_officer_previews_and_commits_an_allocation(page, live_server, log_in, zh):
    personas = make_personas()
    programme = make_programme(personas)
    for firm, member in (
        (personas.firm, personas.firm_member),
        (personas.other_firm, personas.other_firm_member),
    ):
        actions.request_submit(
            firm=firm, by=member, programme_year=programme, quotas=programme.standard_quotas
        )

    log_in(page, "officer", PASSWORD)
    page.locator("#portal-nav .dropdown-toggle", has_text=zh("Custody")).click()
    page.locator("#portal-nav a[href='/office/allocation/']").click()
    expect(page.locator("[data-testid=open-request]")).to_have_count(2)
    page.locator("[data-select-all]").check()
    expect(page.locator("#scope-selected")).to_be_checked()
    page.get_by_role("button", name=zh("Preview"), exact=True).click()

    expect(page.locator("[data-testid=placed]")).to_have_text("2 / 2")
    expect(page.locator("[data-testid=assignment]")).to_have_count(2)
    expect(page.locator("[data-testid=load-row]")).not_to_have_count(0)
    assert not Offer.objects.exists()
    page.get_by_role("button", name=zh("Commit…")).click()
    dialog = page.locator("#commit-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=zh("Send the offers")).click()

    expect(page.locator("[data-testid=run-done]")).to_be_visible()
    expect(page.locator("#messages .alert-success")).to_contain_text(re.compile("2"))
    assert AllocationRun.objects.get().status == AllocationRun.Status.COMMITTED
    assert Offer.objects.filter(source=Offer.Source.ALLOCATION).count() == 2
