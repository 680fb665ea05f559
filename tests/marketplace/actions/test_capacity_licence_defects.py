"""Issue #16 defects 7, 11 and 12 through the actions: one definition of an agency's load,
the licence checked at acceptance and warned about ahead, each firm's true nearest miss."""

import datetime

import pytest
import time_machine

from core.errors import InvalidTransition
from core.models import Notification
from marketplace import actions, candidates
from marketplace.models import Offer, User
from tests.factories import AgencyFactory, FirmFactory, UserFactory
from tests.marketplace.conftest import NOW

pytestmark = pytest.mark.django_db


def _requests(personas, programme, count):
    made = []
    for index in range(count):
        firm = FirmFactory(incubator=personas.incubator, name=f"负载企业{index}")
        actions.firm_verify(firm=firm, by=personas.incubator_manager)
        member = UserFactory(role=User.Role.FIRM_MEMBER, firm=firm)
        made.append(
            (
                actions.request_submit(
                    firm=firm, by=member, programme_year=programme, quotas=programme.standard_quotas
                ),
                member,
            )
        )
    return made


def test_defect_07_pending_offers_count_towards_capacity_everywhere(personas, programme):
    personas.agency.yearly_capacity = 2
    personas.agency.save()
    personas.rival_agency.yearly_capacity = 0
    personas.rival_agency.save()
    with time_machine.travel(NOW, tick=False):
        made = _requests(personas, programme, 3)
        offers = [
            actions.offer_make(request=request, agency=personas.agency, by=member)
            for request, member in made[:2]
        ]
        # Two offers wait: the agency is full for matching, so the third firm cannot choose it…
        [profile] = candidates.agency_profiles(
            programme_year=programme,
            agencies=type(personas.agency).objects.filter(pk=personas.agency.pk),
        )
        assert profile.active_clients == 2
        with pytest.raises(Exception) as refused:
            actions.offer_make(request=made[2][0], agency=personas.agency, by=made[2][1])
        assert getattr(refused.value, "code", "") in {"no_capacity", "not_a_candidate"}
        # … and allocation does not place it there either …
        run = actions.allocation_preview(programme_year=programme, by=personas.officer)
        assert run.result["placed"] == 0
        # … while both offers made can be accepted: acceptance counts the same load.
        for offer in offers:
            actions.offer_accept(offer=offer, by=personas.agency_consultant)
    assert Offer.objects.filter(status=Offer.Status.ACCEPTED).count() == 2


def test_defect_11_licence_must_cover_the_acceptance_day(personas, programme):
    with time_machine.travel(NOW, tick=False):
        [(request, member)] = _requests(personas, programme, 1)
        offer = actions.offer_make(request=request, agency=personas.agency, by=member)
    # The licence ends the day the offer was made; the agency answers the next day.
    personas.agency.licence_valid_until = NOW.date()
    personas.agency.save()
    with (
        time_machine.travel(NOW + datetime.timedelta(days=1), tick=False),
        pytest.raises(InvalidTransition) as refused,
    ):
        actions.offer_accept(offer=offer, by=personas.agency_consultant)
    assert refused.value.code == "licence_invalid"


def test_defect_11_office_is_warned_once_before_a_licence_ends_during_custody(personas, programme):
    with time_machine.travel(NOW, tick=False):
        [(request, member)] = _requests(personas, programme, 1)
        offer = actions.offer_make(request=request, agency=personas.agency, by=member)
        engagement = actions.offer_accept(offer=offer, by=personas.agency_consultant)
    personas.agency.licence_valid_until = engagement.ends_on - datetime.timedelta(days=30)
    personas.agency.save()
    today = personas.agency.licence_valid_until - datetime.timedelta(days=90)
    assert actions.agencies_warn_licence_expiring(today=today) == 0  # too early
    today = personas.agency.licence_valid_until - datetime.timedelta(days=59)
    assert actions.agencies_warn_licence_expiring(today=today) == 1
    assert actions.agencies_warn_licence_expiring(today=today) == 0  # once
    assert Notification.objects.filter(user=personas.officer, kind="licence_expiring").exists()
    # A renewed licence that again ends during the custody is warned about again.
    personas.agency.licence_valid_until += datetime.timedelta(days=10)
    personas.agency.save()
    later = today + datetime.timedelta(days=10)
    assert actions.agencies_warn_licence_expiring(today=later) == 1


def test_defect_12_unplaced_firm_is_told_its_own_nearest_miss(personas, programme):
    # Two agencies lack an item (the most common first failure); the one that offers every
    # item has an expired licence: that is the firm's nearest miss.
    third = AgencyFactory(name="第三代理")
    actions.agency_approve(agency=third, by=personas.officer)
    for lacking in (personas.rival_agency, third):
        lacking.service_items.set(personas.agency.service_items.all()[:1])
    personas.agency.licence_valid_until = NOW.date() - datetime.timedelta(days=1)
    personas.agency.save()
    with time_machine.travel(NOW, tick=False):
        _requests(personas, programme, 1)
        run = actions.allocation_preview(programme_year=programme, by=personas.officer)
    [unplaced] = run.result["unplaced"]
    assert unplaced["constraint"] == "licence_invalid"
    assert unplaced["nearest_agency"] == personas.agency.pk
