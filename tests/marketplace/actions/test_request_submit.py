import datetime

import pytest

from core.errors import ActionError, NotAllowed
from core.models import AuditEvent
from marketplace import actions
from marketplace.choices import RevenueBand
from marketplace.models import CustodyRequest, Incubator
from tests.factories import FirmFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 2)


def test_verified_firm_submits_the_standard_package(personas, programme):
    request = actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
        needs="专利布局",
        today=TODAY,
    )
    assert request.status == CustodyRequest.Status.OPEN
    assert request.items.count() == 3
    assert AuditEvent.objects.filter(action="request.submitted", firm=personas.firm).exists()


def test_extras_allowed_within_the_programme_quota(personas, programme):
    quotas = {**programme.standard_quotas, programme.extra_item.pk: 1}
    request = actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=quotas,
        today=TODAY,
    )
    assert request.items.filter(is_extra=True).count() == 1
    with pytest.raises(ActionError) as error:
        actions.request_submit(
            firm=personas.other_firm,
            by=personas.other_firm_member,
            programme_year=programme,
            quotas={programme.extra_item.pk: 5},
            today=TODAY,
        )
    assert error.value.code == "quota_out_of_range"


def test_refusal_names_every_failed_rule(personas, programme):
    municipal = Incubator.objects.create(
        name="区级孵化器", level=Incubator.Level.MUNICIPAL, district="320102"
    )
    firm = FirmFactory(incubator=municipal, headcount=500, revenue_band=RevenueBand.OVER_50M)
    member = personas.firm_member.__class__.objects.create(
        username="carol", role="firm_member", firm=firm
    )
    with pytest.raises(actions.Ineligible) as error:
        actions.request_submit(
            firm=firm,
            by=member,
            programme_year=programme,
            quotas=programme.standard_quotas,
            today=datetime.date(2027, 2, 1),
        )
    codes = [rule.code for rule in error.value.rules]
    assert codes == ["firm_not_verified", "incubator_level", "sme_size", "programme_closed"]
    assert not CustodyRequest.objects.filter(firm=firm).exists()


def test_second_live_request_is_refused(personas, programme):
    kwargs = {
        "firm": personas.firm,
        "by": personas.firm_member,
        "programme_year": programme,
        "quotas": programme.standard_quotas,
        "today": TODAY,
    }
    actions.request_submit(**kwargs)
    with pytest.raises(actions.Ineligible) as error:
        actions.request_submit(**kwargs)
    assert [rule.code for rule in error.value.rules] == ["live_request"]


def test_only_the_firms_members_can_submit(personas, programme):
    with pytest.raises(NotAllowed):
        actions.request_submit(
            firm=personas.firm,
            by=personas.other_firm_member,
            programme_year=programme,
            quotas=programme.standard_quotas,
            today=TODAY,
        )


def test_exhausted_budget_puts_the_request_on_the_waiting_list(personas, programme):
    programme.budget = 1000
    programme.save()
    request = actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
        today=TODAY,
    )
    assert request.status == CustodyRequest.Status.WAITLISTED
