"""Matching reads missed deadlines and settlement ratings into each agency's track record."""

import dataclasses
import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from custody import actions as custody_actions
from custody.models import Settlement
from marketplace import actions, candidates, explain, matching
from marketplace.models import Agency
from tests.custody.deadline_helpers import trademark_renewal
from tests.factories import AgencyFactory
from tests.marketplace.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def rival_missed_a_deadline(personas, programme):
    """Bob's firm in the rival agency's custody misses a trademark renewal."""
    with time_machine.travel(NOW, tick=False):
        request = actions.request_submit(
            firm=personas.other_firm,
            by=personas.other_firm_member,
            programme_year=programme,
            quotas=programme.standard_quotas,
        )
        offer = actions.offer_make(
            request=request, agency=personas.rival_agency, by=personas.other_firm_member
        )
        engagement = actions.offer_accept(offer=offer, by=personas.rival_consultant)
    renewal = trademark_renewal(
        personas.other_firm, personas.other_firm_member, registered=datetime.date(2016, 1, 4)
    )
    custody_actions.deadlines_flag_missed(today=renewal.grace_ends_on + datetime.timedelta(1))
    return engagement


def test_matching_profiles_count_missed_deadlines_and_ratings(
    personas, programme, rival_missed_a_deadline
):
    Settlement.objects.create(
        engagement=rival_missed_a_deadline, rating=2, rated_by=personas.other_firm_member
    )
    profiles = {p.id: p for p in candidates.agency_profiles(programme_year=programme)}
    rival = profiles[personas.rival_agency.pk].track
    assert (rival.missed_deadlines, rival.rating_sum, rival.rating_count) == (1, 2.0, 1)
    ours = profiles[personas.agency.pk].track
    assert (ours.missed_deadlines, ours.rating_sum, ours.rating_count) == (0, 0.0, 0)


def test_matching_profiles_take_the_same_queries_for_2_or_12_agencies(
    personas, programme, rival_missed_a_deadline
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            candidates.agency_profiles(programme_year=programme)
        return len(captured)

    two = queries()
    for _ in range(10):
        agency = AgencyFactory()
        actions.agency_approve(agency=agency, by=personas.officer)
    assert Agency.objects.count() == 12
    assert queries() == two


def test_matching_ranks_an_agency_with_missed_deadlines_lower_and_says_why(
    personas, programme, rival_missed_a_deadline
):
    [rival] = candidates.agency_profiles(
        programme_year=programme, agencies=Agency.objects.filter(pk=personas.rival_agency.pk)
    )
    # Its twin, differing only by id and by a clean record.
    twin = dataclasses.replace(
        rival, id=rival.id + 1000, track=dataclasses.replace(rival.track, missed_deadlines=0)
    )
    request = matching.RequestProfile(
        firm_id=personas.firm.pk,
        district=personas.firm.district,
        industry=personas.firm.industry,
        terms="",
        item_ids=frozenset(rival.service_item_ids),
        start_date=NOW.date(),
    )
    ranking = matching.rank(request, [rival, twin])
    assert [c.agency_id for c in ranking.candidates] == [twin.id, rival.id]
    assert ranking.candidates[0].score > ranking.candidates[1].score
    assert "1 missed deadline" in explain.describe_candidate(ranking.candidates[1])
    assert "missed" not in explain.describe_candidate(ranking.candidates[0])
