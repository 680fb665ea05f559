import datetime
from decimal import Decimal

import pytest
import time_machine

from core.errors import ActionError, InvalidTransition, NotAllowed
from core.models import Notification
from marketplace import actions
from marketplace.models import CustodyRequest, Engagement, Offer
from marketplace.selectors.budget import budget_left
from tests.marketplace.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_(personas, programme):
    with time_machine.travel(NOW, tick=False):
        return actions.request_submit(
            firm=personas.firm,
            by=personas.firm_member,
            programme_year=programme,
            quotas=programme.standard_quotas,
        )


@pytest.fixture
def offer(personas, request_):
    with time_machine.travel(NOW, tick=False):
        return actions.offer_make(request=request_, agency=personas.agency, by=personas.firm_member)


def test_offer_waits_three_working_days_and_notifies_the_agency(personas, offer):
    assert offer.status == Offer.Status.PENDING
    local = offer.respond_by.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    assert local.date() == datetime.date(2026, 3, 5)  # Mon + 3 working days = Thu
    assert offer.rank in {1, 2}
    assert offer.reasons[0]["code"] == "coverage"
    assert Notification.objects.filter(
        user=personas.agency_consultant, kind="offer_received"
    ).exists()
    assert offer.request.status == CustodyRequest.Status.OFFERED


def test_accept_creates_the_engagement_and_reserves_the_money(personas, programme, offer):
    with time_machine.travel(NOW + datetime.timedelta(hours=2), tick=False):
        engagement = actions.offer_accept(offer=offer, by=personas.agency_consultant)
    assert engagement.status == Engagement.Status.ACTIVE
    assert engagement.government_amount == Decimal("4800.00")
    assert engagement.copay_amount == Decimal("1200.00")
    assert engagement.items.count() == 3
    assert engagement.ends_on == datetime.date(2027, 3, 1)
    assert budget_left(programme) == Decimal("43200.00")
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    assert Notification.objects.filter(user=personas.firm_member, kind="offer_accepted").exists()


def test_accepting_twice_says_it_was_already_accepted(personas, offer):
    with time_machine.travel(NOW, tick=False):
        actions.offer_accept(offer=offer, by=personas.agency_consultant)
        with pytest.raises(InvalidTransition) as error:
            actions.offer_accept(offer=offer, by=personas.agency_consultant)
    assert error.value.code == "offer_accepted"
    assert error.value.status_code == 409


def test_rival_agency_cannot_accept(personas, offer):
    with pytest.raises(NotAllowed), time_machine.travel(NOW, tick=False):
        actions.offer_accept(offer=offer, by=personas.rival_consultant)


def test_late_acceptance_is_refused_with_the_deadline(personas, offer):
    with (
        time_machine.travel(NOW + datetime.timedelta(days=10), tick=False),
        pytest.raises(InvalidTransition) as error,
    ):
        actions.offer_accept(offer=offer, by=personas.agency_consultant)
    assert error.value.code == "offer_expired"
    assert not Engagement.objects.exists()


def test_decline_needs_a_reason_and_reopens_the_request(personas, offer):
    with pytest.raises(ActionError):
        actions.offer_decline(offer=offer, by=personas.agency_consultant, reason=" ")
    actions.offer_decline(offer=offer, by=personas.agency_consultant, reason="满员")
    offer.request.refresh_from_db()
    assert offer.request.status == CustodyRequest.Status.OPEN
    assert Notification.objects.filter(user=personas.firm_member, kind="offer_declined").exists()


def test_expiry_job_expires_once_and_can_offer_the_next_candidate(personas, programme, offer):
    programme.auto_offer_next = True
    programme.save()
    later = NOW + datetime.timedelta(days=7)
    assert actions.offers_expire_overdue(now=later) == 1
    assert actions.offers_expire_overdue(now=later) == 0
    offer.refresh_from_db()
    assert offer.status == Offer.Status.EXPIRED
    following = Offer.objects.get(status=Offer.Status.PENDING)
    assert following.agency == personas.rival_agency
    assert following.source == Offer.Source.NEXT_CANDIDATE
    assert Notification.objects.filter(user=personas.firm_member, kind="offer_expired").count() == 1


def test_expiry_warning_is_sent_once(personas, offer):
    almost = offer.respond_by - datetime.timedelta(hours=5)
    assert actions.offers_warn_expiring(now=almost) == 1
    assert actions.offers_warn_expiring(now=almost) == 0
    assert (
        Notification.objects.filter(user=personas.agency_consultant, kind="offer_expiring").count()
        == 1
    )


def test_budget_shortfall_at_acceptance_waitlists_the_firm(personas, programme, offer):
    programme.budget = Decimal("4000.00")
    programme.save()
    with time_machine.travel(NOW, tick=False), pytest.raises(InvalidTransition) as error:
        actions.offer_accept(offer=offer, by=personas.agency_consultant)
    assert error.value.code == "budget_exhausted"
    offer.request.refresh_from_db()
    assert offer.request.status == CustodyRequest.Status.WAITLISTED
    assert not Engagement.objects.exists()
    programme.budget = Decimal("48000.00")
    programme.save()
    served = actions.waitlist_serve(programme_year=programme)
    assert [request.pk for request in served] == [offer.request.pk]


def test_no_capacity_refuses_acceptance(personas, offer):
    personas.agency.yearly_capacity = 0
    personas.agency.save()
    with time_machine.travel(NOW, tick=False), pytest.raises(InvalidTransition) as error:
        actions.offer_accept(offer=offer, by=personas.agency_consultant)
    assert error.value.code == "no_capacity"


def test_cancellation_releases_the_reservation(personas, programme, offer):
    with time_machine.travel(NOW, tick=False):
        engagement = actions.offer_accept(offer=offer, by=personas.agency_consultant)
    actions.engagement_cancel(engagement=engagement, by=personas.officer, reason="企业注销")
    assert budget_left(programme) == programme.budget


def test_change_of_agency_moves_the_remaining_package(personas, programme, offer):
    with time_machine.travel(NOW, tick=False):
        engagement = actions.offer_accept(offer=offer, by=personas.agency_consultant)
    change = actions.agency_change_request(
        engagement=engagement,
        new_agency=personas.rival_agency,
        by=personas.firm_member,
        reason="沟通不畅",
    )
    new = actions.agency_change_approve(change=change, by=personas.officer)
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.TRANSFERRED
    assert new.previous == engagement
    assert new.agency == personas.rival_agency
    assert engagement.government_amount + new.government_amount == Decimal("4800.00")
    # Nothing was confirmed: the whole package moves (custody's tests cover deliveries).
    assert new.package_price == Decimal("6000.00")
    assert budget_left(programme) == Decimal("43200.00")
