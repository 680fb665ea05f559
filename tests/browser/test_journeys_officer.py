"""A programme officer's main journey (issue #18): approves an agency's application from the
office home, records a firm's bank transfer from the payments desk, previews the allocation
of the open requests. In Chinese and in English; every page it visits is reviewed at 1280
and 390 px (tests/browser/journeys.py)."""

import pytest
from playwright.sync_api import expect

from custody.payments.models import CoPayment
from marketplace import actions
from marketplace.models import Agency, AllocationRun, Engagement, Offer, User
from tests.browser.journeys import Journey, bilingual_programme, reseed, walks
from tests.conftest import make_personas
from tests.factories import AgencyFactory, FirmFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APPLICANT = "新申请的知识产权代理事务所"


def _world():
    personas = make_personas()
    programme = bilingual_programme(personas)
    applicant = AgencyFactory(name=APPLICANT, name_en="Newly Applying IP Agency")
    # Alice's firm waits for its co-payment; two more firms wait for an agency.
    request = actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    offer = actions.offer_make(request=request, agency=personas.agency, by=personas.firm_member)
    engagement = actions.offer_accept(offer=offer, by=personas.agency_consultant)
    third = FirmFactory(name="第三生物科技", incubator=personas.incubator)
    actions.firm_verify(firm=third, by=personas.incubator_manager)
    third_member = UserFactory(username="carol", role=User.Role.FIRM_MEMBER, firm=third)
    for firm, member in ((personas.other_firm, personas.other_firm_member), (third, third_member)):
        actions.request_submit(
            firm=firm, by=member, programme_year=programme, quotas=programme.standard_quotas
        )
    return personas, applicant, engagement


@walks
def test_officer_approves_records_a_transfer_and_previews_the_allocation(
    browser, live_server, walk
):
    reseed()
    personas, applicant, engagement = _world()
    copayment = CoPayment.objects.get(engagement=engagement)
    journey = Journey(browser, live_server, walk, role="officer")
    journey.sign_in(personas.officer)
    page = journey.page

    # Approve: the application waits on the office home and is approved in place.
    journey.visit("/office/")
    item = page.get_by_test_id("pending-agency").filter(has_text=journey.shown(applicant))
    journey.press(item.locator("form[action$='/approve/'] button"))
    expect(page.locator("#messages .alert-success")).to_contain_text(journey.shown(applicant))
    expect(page.get_by_test_id("pending-agency")).to_have_count(0)
    journey.review("approved")
    applicant.refresh_from_db()
    assert applicant.status == Agency.Status.APPROVED

    # Record a transfer: the payments desk lists the co-payment due; its page takes the record.
    journey.visit("/office/payments/")
    journey.press(page.locator(f"a[href='/engagements/{engagement.pk}/payments/']").first)
    expect(page.get_by_test_id("payment-reference")).to_have_text(copayment.reference)
    journey.review()
    page.select_option("#id_kind", "copay_received")
    page.fill("#id_amount", str(copayment.amount))
    page.fill("#id_reference", copayment.reference)
    journey.press(page.get_by_test_id("record-transfer"))
    expect(page.locator("#messages .alert-success")).to_be_visible()
    expect(page.get_by_test_id("copayment-status")).to_have_attribute("data-status", "paid")
    journey.review("recorded")
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.ACTIVE

    # Preview the allocation of the two open requests; nothing is offered until committed.
    journey.visit("/office/allocation/")
    expect(page.get_by_test_id("open-request")).to_have_count(2)
    page.locator("[data-select-all]").check()
    journey.press(page.locator("form[action$='/preview/'] button[type=submit]"))
    expect(page.get_by_test_id("placed")).to_have_text("2 / 2")
    expect(page.get_by_test_id("assignment")).to_have_count(2)
    journey.review()
    assert AllocationRun.objects.get().status == AllocationRun.Status.PREVIEW
    assert not Offer.objects.filter(source=Offer.Source.ALLOCATION).exists()

    visited = journey.finish()
    print(f"officer {walk}: {visited}")
