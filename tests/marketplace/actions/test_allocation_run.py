import pytest
import time_machine

from core.errors import ActionError, InvalidTransition
from marketplace import actions
from marketplace.models import AllocationRun, Offer, User
from tests.factories import AgencyFactory, FirmFactory, UserFactory
from tests.marketplace.conftest import NOW

pytestmark = pytest.mark.django_db


def _open_requests(personas, programme, count):
    requests = []
    for index in range(count):
        firm = FirmFactory(incubator=personas.incubator, name=f"队列企业{index}")
        actions.firm_verify(firm=firm, by=personas.incubator_manager)
        member = UserFactory(role=User.Role.FIRM_MEMBER, firm=firm)
        requests.append(
            actions.request_submit(
                firm=firm, by=member, programme_year=programme, quotas=programme.standard_quotas
            )
        )
    return requests


def test_preview_places_within_capacity_and_explains_the_rest(personas, programme):
    personas.agency.yearly_capacity = 2
    personas.agency.save()
    personas.rival_agency.yearly_capacity = 1
    personas.rival_agency.save()
    with time_machine.travel(NOW, tick=False):
        requests = _open_requests(personas, programme, 4)
        run = actions.allocation_preview(programme_year=programme, by=personas.officer)
    result = run.result
    assert result["placed"] == 3
    assert result["objective"] >= result["greedy"]["objective"]
    assert len(result["unplaced"]) == 1
    assert result["unplaced"][0]["constraint"] == "capacity_taken"
    assert {row["agency"]: row["assigned"] for row in result["load"]} == {
        personas.agency.pk: 2,
        personas.rival_agency.pk: 1,
    }
    assert not Offer.objects.exists()
    assert {a["request"] for a in result["assignments"]} <= {r.pk for r in requests}


def test_unplaceable_firm_gets_the_blocking_constraint(personas, programme):
    for agency in (personas.agency, personas.rival_agency):
        agency.service_items.set(agency.service_items.all()[:1])
    with time_machine.travel(NOW, tick=False):
        _open_requests(personas, programme, 1)
        run = actions.allocation_preview(programme_year=programme, by=personas.officer)
    assert run.result["placed"] == 0
    assert run.result["unplaced"][0]["constraint"] == "items_not_served"


def test_commit_turns_the_assignment_into_offers_once(personas, programme):
    AgencyFactory()  # an agency still applying is never assigned
    with time_machine.travel(NOW, tick=False):
        _open_requests(personas, programme, 3)
        run = actions.allocation_preview(programme_year=programme, by=personas.officer)
        actions.allocation_commit(run=run, by=personas.officer)
        with pytest.raises(InvalidTransition):
            actions.allocation_commit(run=run, by=personas.officer)
    run.refresh_from_db()
    assert run.status == AllocationRun.Status.COMMITTED
    assert (
        Offer.objects.filter(source=Offer.Source.ALLOCATION, status=Offer.Status.PENDING).count()
        == 3
    )


def test_same_input_same_result(personas, programme):
    with time_machine.travel(NOW, tick=False):
        _open_requests(personas, programme, 5)
        first = actions.allocation_preview(programme_year=programme, by=personas.officer)
        second = actions.allocation_preview(programme_year=programme, by=personas.officer)
    assert first.result == second.result


def test_nothing_to_allocate_is_a_clear_error(personas, programme):
    with pytest.raises(ActionError) as error:
        actions.allocation_preview(programme_year=programme, by=personas.officer)
    assert error.value.code == "nothing_to_allocate"
