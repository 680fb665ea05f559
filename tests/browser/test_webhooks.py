"""Webhook settings and the developer guide on a 390 px phone, in Chinese and English: the
agency's staff register an endpoint and copy its secret; nothing runs off the screen."""

import pytest
from playwright.sync_api import expect

from tests.conftest import make_personas
from tests.factories import PASSWORD
from webhooks.models import Endpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def phone(browser):
    def open_page(locale):
        context = browser.new_context(viewport=PHONE, locale=locale)
        context.set_default_timeout(10_000)
        return context.new_page()

    return open_page


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"], ids=["zh", "en"])
@pytest.mark.parametrize("username", ["consultant", "officer"])
def test_register_an_endpoint_on_a_phone(phone, live_server, log_in, settings, locale, username):
    settings.WEBHOOKS_ALLOW_LOCAL = True
    make_personas()
    page = phone(locale)
    log_in(page, username, PASSWORD)
    page.goto(f"{live_server.url}/settings/webhooks/")
    assert page.evaluate(OVERFLOW) <= 0
    page.fill("#id_url", "http://127.0.0.1:9/hooks")
    page.check("input[name=events][value='engagement.status_changed']")
    page.check("input[name=events][value='payout.sent']")
    page.click("[data-testid=webhook-submit]")
    secret = page.locator("[data-testid=webhook-secret] code")
    expect(secret).to_have_text(Endpoint.objects.get().secret)
    assert page.evaluate(OVERFLOW) <= 0
    page.goto(f"{live_server.url}/api/guide/")
    expect(page.locator("h1")).to_have_text(
        "开发者指南" if locale == "zh-CN" else "Developer guide"
    )
    assert page.evaluate(OVERFLOW) <= 0
    page.context.close()
