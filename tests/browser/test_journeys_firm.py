"""A firm's main journey (issue #18): apply → choose an agency, confirming the choice → told
what to pay, by when and how → pays (the office records the bank transfer) → confirms a
service → sees the fees due on its IP. In Chinese and in English; every page it visits is
reviewed at 1280 and 390 px (tests/browser/journeys.py)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from custody import actions as custody_actions
from custody import numbers
from custody.payments import actions as payment_actions
from custody.payments.models import CoPayment, LedgerEntry
from marketplace import actions
from marketplace.models import CustodyRequest, Engagement
from tests.browser.journeys import Journey, bilingual_programme, reseed, walks
from tests.conftest import make_personas
from tests.custody.conftest import patent_fields

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEEDS = "抗体药物专利布局"
PATENT = "一种抗体纯化方法"
SERVICE = "专利布局咨询一次"
# The firm's ¥1,200 share, grouped as the page's language groups digits.
AMOUNT = re.compile(r"¥1,?200(\.00)?")


def _patent_due_soon(personas, today):
    """An invention patent whose annual fee falls due in about 40 days."""
    due = today + datetime.timedelta(days=40)
    filed = due.replace(year=due.year - 5, day=min(due.day, 28))
    digits = f"{filed.year}1{filed.month:02d}{filed.day:02d}164"
    return custody_actions.asset_create(
        firm=personas.firm,
        by=personas.firm_member,
        fields=patent_fields(
            number=f"CN{digits}.{numbers.patent_check_digit(digits)}",
            title=PATENT,
            filing_date=filed,
            grant_date=filed + datetime.timedelta(days=700),
        ),
    )


@walks
def test_firm_applies_chooses_pays_confirms_and_sees_its_fees(browser, live_server, walk):
    reseed()
    today = timezone.localdate()
    personas = make_personas()
    bilingual_programme(personas)
    _patent_due_soon(personas, today)
    journey = Journey(browser, live_server, walk, role="firm", data=[NEEDS, PATENT, SERVICE])
    journey.sign_in(personas.firm_member)
    agency = journey.shown(personas.agency)
    page = journey.page

    # Apply: from the home's custody card to the request form, the standard package ticked.
    journey.visit("/firm/")
    journey.press(page.locator("[data-testid=custody-card] a[href='/requests/new/']"))
    expect(page.locator("[data-testid=price-copay]")).to_have_text(AMOUNT)
    journey.review()
    page.fill("textarea[name=needs]", NEEDS)
    journey.press(page.locator("form[data-price-form] button[type=submit]"))

    # Choose: the ranked agencies with their reasons, then the choice read back before it binds.
    expect(page.locator("[data-testid=candidate]")).to_have_count(2)
    journey.review()
    chosen = page.locator("[data-testid=candidate]", has_text=agency)
    journey.press(chosen.locator("a[href*='/choose/']"))
    confirm = page.locator("[data-testid=choose-confirm]")
    expect(confirm).to_contain_text(agency)
    journey.review()
    journey.press(page.locator("[data-testid=confirm-choice]"))
    expect(page.locator("[data-testid=pending-offer]")).to_contain_text(agency)
    journey.review()
    request = CustodyRequest.objects.get(firm=personas.firm)

    # The agency accepts (its own journey does it in the browser).
    actions.offer_accept(offer=request.offers.get(), by=personas.agency_consultant)
    engagement = Engagement.objects.get(request=request)
    copayment = CoPayment.objects.get(engagement=engagement)
    assert engagement.status == Engagement.Status.AWAITING_PAYMENT

    # Told to pay: the home's action centre says how much, by when and the reference.
    journey.visit("/firm/")
    item = page.get_by_test_id("action-copayment")
    expect(item).to_contain_text(AMOUNT)
    expect(item).to_contain_text(copayment.reference)
    # The page gives the day in the programme's time zone (Beijing), as the firm reads it.
    expect(item).to_contain_text(str(timezone.localtime(copayment.due_by).day))
    journey.visit("/notifications/")
    expect(page.get_by_test_id("notification").first).to_contain_text(agency)
    journey.visit("/firm/")
    journey.press(item.get_by_role("link"))
    expect(page).to_have_url(journey.url(f"/engagements/{engagement.pk}/payments/"))
    expect(page.get_by_test_id("copayment-amount")).to_contain_text(AMOUNT)
    expect(page.get_by_test_id("copayment-due")).to_be_visible()
    expect(page.get_by_test_id("payee-number")).to_have_text("4661 0123 4567 8901")
    expect(page.get_by_test_id("payment-reference")).to_have_text(copayment.reference)
    journey.review()

    # Pays by bank transfer; the programme office records it (the officer's journey does
    # that in the browser) and custody starts.
    payment_actions.offline_payment_record(
        engagement=engagement,
        by=personas.officer,
        kind=LedgerEntry.Kind.COPAY_RECEIVED,
        amount=copayment.amount,
        reference=copayment.reference,
        value_date=today,
    )
    page.reload()
    expect(page.get_by_test_id("copayment-status")).to_have_attribute("data-status", "paid")
    journey.review()

    # Confirms a service the agency logged.
    line = engagement.items.order_by("pk").first()
    custody_actions.service_record_log(
        engagement=engagement,
        item=line,
        quantity=1,
        delivered_on=today,
        description=SERVICE,
        by=personas.agency_consultant,
    )
    journey.visit("/firm/")
    journey.press(page.get_by_test_id("action-services-to-confirm").get_by_role("link"))
    record = page.locator("[data-testid=service-record]")
    expect(record).to_contain_text(SERVICE)
    journey.review()
    journey.press(record.get_by_role("button", name=re.compile("^(确认|Confirm)$")))
    expect(page.locator("#messages .alert-success")).to_be_visible()
    journey.review()

    # Sees the fees due: the action centre names the official fees of its deadlines, and the
    # deadline board lists them.
    journey.visit("/firm/")
    deadlines = page.get_by_test_id("action-deadlines")
    expect(deadlines).to_contain_text("¥")
    journey.press(deadlines.get_by_role("link"))
    expect(page.locator("[data-testid=deadline-row]")).not_to_have_count(0)
    expect(page.locator("[data-testid=deadline-board]")).to_contain_text(PATENT)
    journey.review()

    visited = journey.finish()
    print(f"firm {walk}: {visited}")
