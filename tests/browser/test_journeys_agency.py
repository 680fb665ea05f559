"""An agency's main journey (issue #18): from its action centre to the offer, accepted in
place; the engagement and its services page say records open when the firm pays; once paid,
it records a service with evidence. In Chinese and in English; every page it visits is
reviewed at 1280 and 390 px (tests/browser/journeys.py)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from custody.models import ServiceRecord
from custody.payments import actions as payment_actions
from custody.payments.models import CoPayment, LedgerEntry
from marketplace import actions
from marketplace.models import Engagement
from tests.browser.journeys import Journey, bilingual_programme, reseed, walks
from tests.conftest import make_personas
from tests.custody.service_helpers import PDF, temporary_private_storage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEEDS = "抗体药物专利布局"
SERVICE = "专利布局咨询一次"
EVIDENCE = "会议纪要.pdf"


@pytest.fixture(autouse=True)
def private_storage(tmp_path, monkeypatch):
    return temporary_private_storage(tmp_path, monkeypatch)


@walks
def test_agency_accepts_waits_for_the_payment_and_records_a_service(browser, live_server, walk):
    reseed()
    personas = make_personas()
    programme = bilingual_programme(personas)
    request = actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
        needs=NEEDS,
    )
    offer = actions.offer_make(request=request, agency=personas.agency, by=personas.firm_member)
    journey = Journey(browser, live_server, walk, role="agency", data=[NEEDS, SERVICE, EVIDENCE])
    journey.sign_in(personas.agency_consultant)
    page = journey.page

    # The action centre leads to the offer; it is accepted in place.
    journey.visit("/agency/")
    journey.press(page.get_by_test_id("action-offer").get_by_role("link"))
    expect(page).to_have_url(journey.url(f"/offers/{offer.pk}/"))
    expect(page.get_by_test_id("needs")).to_have_text(NEEDS)
    # Accepting does not start custody at once: the firm's co-payment does (14 days).
    expect(page.get_by_test_id("accept-terms")).to_contain_text("14")
    journey.review()
    journey.press(page.get_by_test_id("offer-decision").locator("form[action$='/accept/'] button"))
    outcome = page.get_by_test_id("offer-outcome")
    expect(outcome).to_be_visible()
    journey.review("accepted")
    engagement = Engagement.objects.get(request=request)
    assert engagement.status == Engagement.Status.AWAITING_PAYMENT

    # The engagement waits for the firm's co-payment, and says so on both pages.
    journey.press(outcome.get_by_role("link"))
    expect(page).to_have_url(journey.url(f"/engagements/{engagement.pk}/"))
    expect(page.get_by_test_id("awaiting-payment")).to_be_visible()
    journey.review()
    journey.press(page.get_by_test_id("engagement-services").get_by_role("link").first)
    expect(page).to_have_url(journey.url(f"/engagements/{engagement.pk}/services/"))
    expect(page.get_by_test_id("records-open-when-paid")).to_be_visible()
    expect(page.get_by_test_id("log-form")).to_have_count(0)
    journey.review()

    # The firm pays; the office records the transfer; the records open.
    copayment = CoPayment.objects.get(engagement=engagement)
    payment_actions.offline_payment_record(
        engagement=engagement,
        by=personas.officer,
        kind=LedgerEntry.Kind.COPAY_RECEIVED,
        amount=copayment.amount,
        reference=copayment.reference,
        value_date=timezone.localdate(),
    )
    page.reload()
    form = page.get_by_test_id("log-form")
    expect(form).to_be_visible()
    journey.review("paid")
    line = engagement.items.order_by("pk").first()
    form.locator("select[name=item]").select_option(str(line.pk))
    form.locator("input[name=quantity]").fill("1")
    form.locator("textarea[name=description]").fill(SERVICE)
    form.locator("input[name=evidence]").set_input_files(
        {"name": EVIDENCE, "mimeType": "application/pdf", "buffer": PDF}
    )
    journey.press(form.locator("button[type=submit]"))
    expect(page.locator("#messages .alert-success")).to_be_visible()
    record = page.locator("[data-testid=service-record]")
    expect(record).to_have_count(1)
    expect(record.locator("[data-testid=evidence-link]")).to_contain_text(EVIDENCE)
    journey.review("recorded")
    assert ServiceRecord.objects.get().status == ServiceRecord.Status.PENDING

    visited = journey.finish()
    print(f"agency {walk}: {visited}")
