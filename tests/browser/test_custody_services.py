"""The agency logs a service with evidence, the firm confirms it, the report shows it;
then the engagement settles: the firm rates, the incubator confirms, the office approves."""

import pytest
from playwright.sync_api import expect

from custody import actions as custody_actions
from custody.models import ServiceRecord, Settlement
from marketplace import actions
from marketplace.models import Engagement
from tests.conftest import make_personas
from tests.custody.service_helpers import PDF, temporary_private_storage
from tests.factories import PASSWORD
from tests.frontend.conftest import make_programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


def _new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_service_logged_confirmed_reported_and_settled(page, browser, live_server, log_in, zh):
    personas, engagement = _engagement()
    first_item = engagement.items.order_by("service_item__area", "service_item__code").first()
    services_url = f"{live_server.url}/engagements/{engagement.pk}/services/"

    # The agency logs one unit with a PDF as evidence.
    log_in(page, "consultant", PASSWORD)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    page.locator("[data-testid=engagement-services] a", has_text=zh("Service records")).click()
    form = page.locator("[data-testid=log-form]")
    form.locator("select[name=item]").select_option(str(first_item.pk))
    form.locator("input[name=quantity]").fill("1")
    form.locator("textarea[name=description]").fill("专利布局咨询一次")
    form.locator("input[name=evidence]").set_input_files(
        {"name": "会议纪要.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    form.get_by_role("button", name=zh("Log the service")).click()
    expect(page.locator("#messages .alert-success")).to_be_visible()
    record = page.locator("[data-testid=service-record]")
    expect(record).to_have_count(1)
    expect(record.locator("[data-testid=evidence-link]")).to_contain_text("会议纪要.pdf")
    expect(record.locator("[data-testid=record-status]")).to_have_text(zh("Awaiting the firm"))

    # Alice confirms it; the bar of the item moves to confirmed.
    alice_context, alice = _new_page(browser)
    log_in(alice, "alice", PASSWORD)
    alice.goto(services_url)
    alice_record = alice.locator("[data-testid=service-record]")
    alice_record.get_by_role("button", name=zh("Confirm"), exact=True).click()
    expect(alice.locator("#messages .alert-success")).to_be_visible()
    expect(alice_record.locator("[data-testid=record-status]")).to_have_text(zh("Confirmed"))
    row = alice.locator(f"[data-testid=quota-row][data-item='{first_item.pk}']")
    expect(row.locator(".progress.svc-w-50")).to_have_count(1)
    assert ServiceRecord.objects.get().status == ServiceRecord.Status.CONFIRMED

    # The report of this quarter shows the confirmed delivery.
    alice.goto(f"{live_server.url}/firms/{personas.firm.pk}/report/")
    expect(alice.locator("[data-testid=report-title]")).to_contain_text(personas.firm.name)
    expect(alice.locator("[data-testid=report-quarter-confirmed]").first).to_have_text("1")
    with alice.expect_download() as download:
        alice.locator("[data-testid=report-pdf]").click()
    assert download.value.suggested_filename.endswith(".pdf")

    # Everything else is delivered and confirmed; the firm rates early.
    for line in engagement.items.all():
        left = line.quota - (1 if line.pk == first_item.pk else 0)
        delivered = custody_actions.service_record_log(
            engagement=engagement,
            item=line,
            quantity=left,
            delivered_on=engagement.starts_on,
            description="其余交付",
            by=personas.agency_consultant,
        )
        custody_actions.service_record_confirm(record=delivered, by=personas.firm_member)
    alice.goto(f"{live_server.url}/engagements/{engagement.pk}/settlement/")
    expect(alice.locator("[data-testid=settlement-amount]")).to_have_text("¥4,800.00")
    rating = alice.locator("[data-testid=rating-form]")
    rating.locator("input[name=rating][value='4']").check()
    rating.locator("textarea[name=comment]").fill("响应及时")
    rating.get_by_role("button", name=zh("Rate and close the engagement")).click()
    expect(alice.locator("[data-testid=settlement-rating]")).to_contain_text("4")
    alice_context.close()

    # The incubator's manager confirms, the programme officer approves.
    manager_context, manager = _new_page(browser)
    log_in(manager, "manager", PASSWORD)
    manager.goto(f"{live_server.url}/engagements/{engagement.pk}/settlement/")
    manager.get_by_role("button", name=zh("Confirm the settlement")).click()
    expect(manager.locator("#messages .alert-success")).to_be_visible()
    manager_context.close()

    officer_context, officer = _new_page(browser)
    log_in(officer, "officer", PASSWORD)
    officer.goto(f"{live_server.url}/engagements/{engagement.pk}/settlement/")
    officer.get_by_role("button", name=zh("Approve the settlement")).click()
    expect(officer.locator("#messages .alert-success")).to_be_visible()
    expect(officer.locator("[data-testid=settlement-amount]")).to_have_text("¥4,800.00")
    expect(officer.locator("[data-testid=settlement-released]")).to_have_text("¥0.00")
    officer_context.close()

    settlement = Settlement.objects.get()
    assert settlement.status == Settlement.Status.APPROVED
    assert str(settlement.amount) == "4800.00"
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.COMPLETED
