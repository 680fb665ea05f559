"""Issue #16 defect 10: incubation has a start and an end; a firm that left its incubator is
no longer eligible, and coverage and the dashboards stop counting it as a firm to serve."""

import datetime

import pytest
from django.urls import reverse

from core.errors import ActionError
from core.models import AuditEvent
from marketplace import actions
from marketplace.models import CustodyRequest, Firm, User
from reporting.coverage import eligible_q, firm_stage_q, reference_day
from tests.factories import FirmFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 2)


@pytest.fixture
def graduated(personas):
    firm = FirmFactory(incubator=personas.incubator, admitted_on=datetime.date(2023, 3, 1))
    actions.firm_verify(firm=firm, by=personas.incubator_manager)
    return actions.firm_incubation_end(
        firm=firm, by=personas.incubator_manager, on=datetime.date(2026, 1, 31)
    )


def test_defect_10_a_graduated_firm_is_refused_with_the_day_it_left(personas, programme, graduated):
    member = UserFactory(role=User.Role.FIRM_MEMBER, firm=graduated)
    with pytest.raises(actions.Ineligible) as error:
        actions.request_submit(
            firm=graduated,
            by=member,
            programme_year=programme,
            quotas=programme.standard_quotas,
            today=TODAY,
        )
    assert [rule.code for rule in error.value.rules] == ["not_incubated"]
    assert "ended on Jan. 31, 2026" in error.value.message
    assert not CustodyRequest.objects.filter(firm=graduated).exists()
    # Still incubated on its last day: a request then is taken.
    request = actions.request_submit(
        firm=graduated,
        by=member,
        programme_year=programme,
        quotas=programme.standard_quotas,
        today=datetime.date(2026, 1, 31),
    )
    assert request.status == CustodyRequest.Status.OPEN


def test_defect_10_coverage_and_the_dashboards_stop_counting_a_firm_that_left(
    personas, programme, graduated
):
    staying = FirmFactory(incubator=personas.incubator)
    actions.firm_verify(firm=staying, by=personas.incubator_manager)
    assert reference_day(programme, TODAY) == TODAY
    eligible = set(Firm.objects.filter(eligible_q(programme)).values_list("pk", flat=True))
    assert staying.pk in eligible and graduated.pk not in eligible
    no_request = Firm.objects.filter(firm_stage_q("no_request", programme))
    assert staying in no_request and graduated not in no_request
    # The year as it stood while the firm was incubated (judged on the year's first day).
    early = reference_day(programme, datetime.date(2025, 6, 1))
    assert early == programme.opens_on
    assert graduated.incubated_on(early)


def test_defect_10_the_incubator_records_the_last_day_on_the_firm_page(client, personas):
    firm = personas.firm
    client.force_login(personas.incubator_manager)
    url = reverse("frontend:firm-incubation-end", args=[firm.pk])
    detail = reverse("frontend:firm-detail", args=[firm.pk])
    assert 'data-testid="incubation-end"' in client.get(detail).content.decode()
    response = client.post(url, {"on": "2026-06-30", "next": detail})
    assert response.status_code == 302
    firm.refresh_from_db()
    assert firm.incubation_ends_on == datetime.date(2026, 6, 30)
    event = AuditEvent.objects.get(action="firm.incubation_ended")
    assert event.actor == personas.incubator_manager and event.data["on"] == "2026-06-30"
    assert "Left the incubator on" in client.get(detail).content.decode()


def test_defect_10_only_its_incubator_records_it_and_never_before_admission(personas):
    firm = personas.firm
    with pytest.raises(ActionError):
        actions.firm_incubation_end(
            firm=firm, by=personas.other_manager, on=datetime.date(2026, 6, 30)
        )
    with pytest.raises(ActionError) as error:
        actions.firm_incubation_end(
            firm=firm, by=personas.incubator_manager, on=firm.admitted_on - datetime.timedelta(1)
        )
    assert error.value.field == "on"
    firm.refresh_from_db()
    assert firm.incubation_ends_on is None
