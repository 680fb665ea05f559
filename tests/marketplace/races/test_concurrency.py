"""Concurrent actions on PostgreSQL with real threads; row locks must hold the line."""

import datetime
from decimal import Decimal

import time_machine

from core.errors import InvalidTransition
from core.models import Notification
from marketplace import actions
from marketplace.models import Engagement, Offer, User
from marketplace.selectors.budget import budget_left
from tests.factories import FirmFactory, UserFactory
from tests.marketplace.conftest import NOW
from tests.races import RACE_MARKS, postgres_only, race  # noqa: F401 (autouse fixture)

pytestmark = RACE_MARKS


def _offers(personas, programme, count):
    offers = []
    with time_machine.travel(NOW, tick=False):
        for index in range(count):
            firm = FirmFactory(incubator=personas.incubator, name=f"并发企业{index}")
            actions.firm_verify(firm=firm, by=personas.incubator_manager)
            member = UserFactory(role=User.Role.FIRM_MEMBER, firm=firm)
            request = actions.request_submit(
                firm=firm, by=member, programme_year=programme, quotas=programme.standard_quotas
            )
            offers.append(actions.offer_make(request=request, agency=personas.agency, by=member))
    return offers


def test_twenty_concurrent_accepts_of_one_offer_make_one_engagement(personas, programme):
    (offer,) = _offers(personas, programme, 1)
    at = NOW + datetime.timedelta(hours=1)
    results = race(
        [lambda: actions.offer_accept(offer=offer, by=personas.agency_consultant, now=at)] * 20
    )
    engagements = [r for r in results if isinstance(r, Engagement)]
    refusals = [r for r in results if isinstance(r, InvalidTransition)]
    assert len(engagements) == 1
    assert len(refusals) == 19
    assert all(r.status_code == 409 for r in refusals)
    assert Engagement.objects.count() == 1


def test_fifty_acceptances_against_a_budget_for_ten(personas, programme):
    personas.agency.yearly_capacity = 100
    personas.agency.save()
    offers = _offers(personas, programme, 50)
    programme.budget = Decimal("48000.00")  # ten packages of ¥4,800
    programme.save()
    at = NOW + datetime.timedelta(hours=1)
    results = race(
        [
            (
                lambda offer=offer: actions.offer_accept(
                    offer=offer, by=personas.agency_consultant, now=at
                )
            )
            for offer in offers
        ]
    )
    assert sum(isinstance(r, Engagement) for r in results) == 10
    assert all(isinstance(r, Engagement | InvalidTransition) for r in results), results
    assert Engagement.objects.filter(status=Engagement.Status.ACTIVE).count() == 10
    assert budget_left(programme) == Decimal("0.00")


def test_capacity_is_never_exceeded(personas, programme):
    offers = _offers(personas, programme, 12)
    personas.agency.yearly_capacity = 4
    personas.agency.save()
    programme.budget = Decimal("1000000.00")
    programme.save()
    at = NOW + datetime.timedelta(hours=1)
    race(
        [
            (
                lambda offer=offer: actions.offer_accept(
                    offer=offer, by=personas.agency_consultant, now=at
                )
            )
            for offer in offers
        ]
    )
    assert Engagement.objects.filter(agency=personas.agency).count() == 4


def test_expiry_job_twice_at_once_expires_each_offer_once(personas, programme):
    offers = _offers(personas, programme, 8)
    later = NOW + datetime.timedelta(days=10)
    results = race([lambda: actions.offers_expire_overdue(now=later)] * 2)
    assert sum(results) == 8
    assert Offer.objects.filter(status=Offer.Status.EXPIRED).count() == 8
    firm_members = User.objects.filter(firm__in=[offer.request.firm_id for offer in offers])
    assert Notification.objects.filter(kind="offer_expired", user__in=firm_members).count() == 8
