import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from marketplace.models import Firm
from tests.conftest import make_personas
from tests.factories import PASSWORD, FirmFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _officer_heading():
    with translation.override("zh-hans"):
        return gettext("Programme office")


@pytest.mark.parametrize(
    ("username", "path", "heading"),
    [
        ("alice", "/firm/", lambda p: p.firm.name),
        ("consultant", "/agency/", lambda p: p.agency.name),
        ("manager", "/incubator/", lambda p: p.incubator.name),
        ("officer", "/office/", lambda p: _officer_heading()),
    ],
)
def test_each_role_logs_in_and_lands_on_its_home(
    page, live_server, log_in, username, path, heading
):
    personas = make_personas()

    log_in(page, username, PASSWORD)

    expect(page).to_have_url(f"{live_server.url}{path}")
    expect(page.locator("h1[data-testid=home-heading]")).to_have_text(heading(personas))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def test_wrong_password_stays_on_the_login_page(page, live_server, log_in):
    make_personas()

    log_in(page, "alice", "not-the-password")

    expect(page).to_have_url(f"{live_server.url}/login/")
    expect(page.locator(".alert-danger")).to_be_visible()


def test_language_switch_shows_english_in_one_click(page, live_server):
    page.goto(f"{live_server.url}/login/")
    expect(page.locator("label[for=id_username]")).to_have_text(re.compile("用户名"))

    page.click("[data-testid=language-switch] button")

    expect(page).to_have_url(f"{live_server.url}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("label[for=id_username]")).to_have_text(re.compile("Username"))
    expect(page.locator("[data-testid=language-switch] button")).to_contain_text("简体中文")


def test_manager_confirms_a_signup_without_leaving_the_page(page, live_server, log_in, zh):
    personas = make_personas()
    pending = FirmFactory(name="待确认科技", incubator=personas.incubator)
    log_in(page, "manager", PASSWORD)
    page.evaluate("window.notReloaded = true")

    page.locator("[data-testid=pending-firm]", has_text="待确认科技").get_by_role(
        "button", name=zh("Confirm"), exact=True
    ).click()

    expect(page.locator("#messages .alert-success")).to_contain_text("待确认科技")
    expect(page.locator("[data-testid=pending-firm]")).to_have_count(0)
    expect(page.locator(f"#firm-state-{pending.pk}")).to_have_class(re.compile("text-bg-success"))
    # htmx swapped the panel in place; a full reload would have dropped the marker.
    assert page.evaluate("window.notReloaded") is True
    pending.refresh_from_db()
    assert pending.verification == Firm.Verification.VERIFIED


def test_officer_rejection_needs_the_unfolded_reason(page, live_server, log_in, zh):
    from tests.factories import AgencyFactory

    make_personas()
    applicant = AgencyFactory(name="申请中代理所")
    log_in(page, "officer", PASSWORD)
    item = page.locator("[data-testid=pending-agency]", has_text="申请中代理所")

    item.get_by_role("button", name=zh("Reject…")).click()
    item.locator("input[name=reason]").fill("Licence number does not match")
    item.get_by_role("button", name=zh("Reject application")).click()

    expect(page.locator("#messages .alert-success")).to_contain_text("申请中代理所")
    expect(page.locator("[data-testid=pending-agency]")).to_have_count(0)
    applicant.refresh_from_db()
    assert applicant.status_reason == "Licence number does not match"
