import pytest
from django.utils import timezone

from custody import actions as custody_actions
from marketplace import actions
from tests.custody.payments.stripe_helpers import tasks_in_process  # noqa: F401 (autouse fixture)
from tests.frontend.conftest import make_programme


@pytest.fixture
def programme(personas):
    """This year's programme (¥6,000 package: government ¥4,800, firm ¥1,200) in which custody
    waits for the co-payment, due within 14 days."""
    year = make_programme(personas)
    year.copay_due_days = 14
    year.save(update_fields=["copay_due_days"])
    return year


def engage(personas, programme, *, firm=None, member=None):
    """A firm's request accepted by `agency`: the engagement waits for its co-payment."""
    request = actions.request_submit(
        firm=firm or personas.firm,
        by=member or personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    offer = actions.offer_make(
        request=request, agency=personas.agency, by=member or personas.firm_member
    )
    return actions.offer_accept(offer=offer, by=personas.agency_consultant)


@pytest.fixture
def engagement(personas, programme):
    return engage(personas, programme)


def deliver(engagement, personas, *, units=None):
    """Log and confirm services: every unit, or `units` of the first item."""
    on = engagement.starts_on
    lines = list(engagement.items.select_related("service_item").order_by("pk"))
    plan = [(line, line.quota) for line in lines] if units is None else [(lines[0], units)]
    for line, quantity in plan:
        record = custody_actions.service_record_log(
            engagement=engagement,
            item=line,
            quantity=quantity,
            delivered_on=on,
            description="交付",
            by=personas.agency_consultant,
            today=on,
        )
        custody_actions.service_record_confirm(record=record, by=personas.firm_member)


def settle(engagement, personas):
    """Rate, confirm and approve the settlement (rated at the end of the engagement)."""
    custody_actions.settlement_rate(
        engagement=engagement, by=personas.firm_member, rating=4, today=engagement.ends_on
    )
    custody_actions.settlement_confirm(engagement=engagement, by=personas.incubator_manager)
    return custody_actions.settlement_approve(engagement=engagement, by=personas.officer)


def today():
    return timezone.localdate()
