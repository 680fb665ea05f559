"""One fixed path through the simulation's workflow (issue #16), so the state machine's
invariants are known to hold on a programme that reached every stage: an offer made and
accepted, a co-payment paid and another left to lapse, services logged and confirmed, a
change of agency, a term run to its end and settled, with the daily jobs run as the clock
moves. Every invariant is checked after each step.
"""

import pytest

from marketplace.models import CustodyRequest, Engagement, Offer
from tests.simulation.test_programme_years import ProgrammeYears

pytestmark = pytest.mark.django_db


def test_walkthrough_reaches_every_stage_with_the_invariants_holding():
    machine = ProgrammeYears()
    try:
        steps = []

        def step(name, **kwargs):
            result = getattr(machine, name)(**kwargs)
            machine.assert_invariants()
            steps.append(name)
            return result

        first = step("programme")
        assert CustodyRequest.objects.filter(firm_id=first[0], status="open").exists()
        step("firm_chooses", pick=0, choice=0, answer="later")
        assert Offer.objects.filter(status=Offer.Status.PENDING).count() == 1
        step("agency_answers", accept=True)
        engagement = Engagement.objects.get(firm_id=first[0])
        assert engagement.status == Engagement.Status.AWAITING_PAYMENT
        step("firm_pays_by_bank", pick=0)
        step("days_pass", days=3)
        step("agency_delivers", pick=0, work=[(1, "confirm")])
        step("agency_delivers", pick=0, work=[(2, "dispute")])
        step("weeks_pass", days=20)
        step("agency_delivers", pick=0, work=[(1, "confirm")])
        step("change_of_agency", pick=0, new=0)
        engagement.refresh_from_db()
        assert engagement.status == Engagement.Status.TRANSFERRED

        second = step("firm_signs_up", headcount=40)
        step("firm_applies", firm=second)
        step("firm_chooses", pick=0, choice=1, answer="accept")
        step("payment_window", pays=False)
        lapsed = Engagement.objects.get(firm_id=second[0])
        assert lapsed.status == Engagement.Status.CANCELLED

        step("agency_delivers", pick=0, work=[(1, "confirm")])
        step("months_pass", days=90)
        step("until_an_engagement_ends", after=2)
        step("settlement", rating=4)

        reached = machine.reached()
        assert reached["offers"] == 2
        assert reached["engagements"] == 3  # the first, its successor, the lapsed one
        assert reached["transfers"] == 1
        assert reached["settlements"] == 1
        assert reached["lapsed"] == 1
        assert reached["copays_paid"] == 2  # paid by bank, then carried over to the successor
        assert reached["confirmed"] >= 3
        assert machine.today().year == 2027
    finally:
        machine.teardown()
