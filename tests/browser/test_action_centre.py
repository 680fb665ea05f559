"""The action centre in Chromium: on a 390 px phone every home's items read without sideways
scrolling and each item's one button is on screen and named (issue #18, Build 1 and 5)."""

import pytest
from playwright.sync_api import expect

from marketplace import actions
from tests.conftest import make_personas
from tests.factories import PASSWORD, AgencyFactory, FirmFactory
from tests.frontend.conftest import make_programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOMES = [
    ("alice", "/firm/", "action-copayment"),
    ("consultant", "/agency/", "action-offer"),
    ("manager", "/incubator/", "action-firms-to-confirm"),
    ("officer", "/office/", "action-agencies-to-approve"),
]


def _world():
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
    actions.offer_accept(offer=offer, by=personas.agency_consultant)
    # The agency's waiting offer comes from another firm of the incubator.
    other = actions.request_submit(
        firm=personas.other_firm,
        by=personas.other_firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    actions.offer_make(request=other, agency=personas.agency, by=personas.other_firm_member)
    FirmFactory(name="一家名字相当长的待确认生物医药科技有限公司", incubator=personas.incubator)
    AgencyFactory(name="新申请的知识产权代理事务所")


@pytest.mark.parametrize(("username", "path", "item"), HOMES)
def test_each_home_reads_at_390_px_with_its_button_on_screen(
    page, live_server, log_in, username, path, item
):
    _world()
    page.set_viewport_size({"width": 390, "height": 844})

    log_in(page, username, PASSWORD)
    page.goto(f"{live_server.url}{path}")

    centre = page.get_by_role("region", name="待您处理")
    expect(centre).to_be_visible()
    row = page.get_by_test_id(item)
    expect(row).to_be_visible()
    button = row.get_by_role("link")
    expect(button).to_have_count(1)
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
