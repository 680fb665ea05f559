"""A firm pays its co-payment on (the fake) Stripe Checkout and sees custody start once the
webhook has confirmed it, not before."""

import copy

import pytest
from playwright.sync_api import expect

from custody.payments.models import LedgerEntry
from marketplace import actions
from marketplace.models import Engagement
from tests.conftest import make_personas
from tests.custody.payments.fake_stripe import FakeStripe
from tests.custody.payments.stripe_helpers import tasks_in_process  # noqa: F401 (autouse fixture)
from tests.factories import PASSWORD
from tests.frontend.conftest import make_programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SECRET = "whsec_browser"


@pytest.fixture
def fake(live_server, settings):
    with FakeStripe(
        webhook_secret=SECRET,
        deliver="auto",
        webhook_url=f"{live_server.url}/payments/stripe/webhook/",
    ) as server:
        settings.STRIPE_SECRET_KEY = "sk_test_browser"
        settings.STRIPE_WEBHOOK_SECRET = SECRET
        settings.STRIPE_API_BASE = server.url
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["form-action"] = ["'self'", server.url]
        settings.CONTENT_SECURITY_POLICY = policy
        yield server


def test_firm_pays_on_checkout_and_custody_starts_after_the_webhook(
    page, live_server, fake, log_in
):
    personas = make_personas()
    programme = make_programme(personas)
    programme.copay_due_days = 14
    programme.save(update_fields=["copay_due_days"])
    request = actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    offer = actions.offer_make(request=request, agency=personas.agency, by=personas.firm_member)
    engagement = actions.offer_accept(offer=offer, by=personas.agency_consultant)
    assert engagement.status == Engagement.Status.AWAITING_PAYMENT

    log_in(page, "alice", PASSWORD)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    expect(page.get_by_test_id("awaiting-payment")).to_be_visible()
    page.get_by_test_id("awaiting-payment").get_by_role("link").click()
    expect(page.get_by_test_id("copayment-amount")).to_contain_text("¥1,200.00")
    page.get_by_test_id("pay-online").click()

    # Stripe's hosted page (the fake's), on another origin.
    expect(page).to_have_url(f"{fake.url}/checkout/{fake.objects('checkout.session')[0]['id']}")
    expect(page.get_by_text("12.00", exact=False).or_(page.get_by_text("1200"))).not_to_have_count(
        0
    )
    page.get_by_role("button", name="Pay").click()

    # Back on the payments page; the webhook confirms and the page shows custody running.
    expect(page).to_have_url(
        f"{live_server.url}/engagements/{engagement.pk}/payments/?checkout=returned"
    )
    assert fake.wait_for_deliveries(timeout=10)
    expect(page.get_by_test_id("copayment-status")).to_have_attribute(
        "data-status", "paid", timeout=15_000
    )
    expect(page.get_by_test_id("copayment-held")).to_contain_text("¥1,200.00")
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.ACTIVE
    assert LedgerEntry.objects.filter(engagement=engagement, kind="copay_received").count() == 1
