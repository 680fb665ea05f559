import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from marketplace import actions
from marketplace.models import CustodyRequest, Engagement, Offer, User
from tests.factories import FirmFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "offer-decision"}


def test_inbox_lists_the_offer_with_its_countdown(client, personas, offer):
    client.force_login(personas.agency_consultant)

    response = client.get(reverse("frontend:offer-inbox"))

    assert [row["offer"] for row in response.context["rows"]] == [offer]
    assert response.context["pending_count"] == 1
    assert personas.firm.name in response.text
    assert 'data-testid="countdown"' in response.text
    assert "3 service items" in response.text


def test_inbox_puts_pending_offers_first_and_filters_by_status(client, personas, programme):
    def offered(firm_name, agency=personas.agency):
        firm = FirmFactory(name=firm_name, incubator=personas.incubator)
        actions.firm_verify(firm=firm, by=personas.incubator_manager)
        member = UserFactory(role=User.Role.FIRM_MEMBER, firm=firm)
        submitted = actions.request_submit(
            firm=firm, by=member, programme_year=programme, quotas=programme.standard_quotas
        )
        return actions.offer_make(request=submitted, agency=agency, by=member)

    declined = offered("先被拒公司")
    actions.offer_decline(offer=declined, by=personas.agency_consultant, reason="满员")
    waiting = offered("等待公司")
    offered("别家公司", agency=personas.rival_agency)
    client.force_login(personas.agency_consultant)

    everything = client.get(reverse("frontend:offer-inbox"))
    only_declined = client.get(reverse("frontend:offer-inbox"), {"status": "declined"})

    assert [row["offer"] for row in everything.context["rows"]] == [waiting, declined]
    assert [row["offer"] for row in only_declined.context["rows"]] == [declined]


def test_offer_page_shows_the_firm_its_needs_and_the_match_reasons(client, personas, offer):
    client.force_login(personas.agency_consultant)

    response = client.get(reverse("frontend:offer-detail", args=[offer.pk]))

    assert response.status_code == 200
    assert response.context["reasons"][0] == "covers 3 of 3 items"
    assert "Biomedicine expertise" in response.context["reasons"]
    assert 'data-testid="needs">抗体药物专利布局' in response.text
    assert personas.firm.get_industry_display() in response.text
    assert response.context["split"]["copay"] == Decimal("1200.00")
    assert response.context["can_answer"] is True
    assert "Offer sent" in response.text


def test_accept_by_htmx_starts_the_engagement(client, personas, offer):
    client.force_login(personas.agency_consultant)

    response = client.post(reverse("frontend:offer-accept", args=[offer.pk]), headers=HTMX)

    engagement = Engagement.objects.get(offer=offer)
    assert engagement.status == Engagement.Status.ACTIVE
    assert "<html" not in response.text
    assert "You accepted the custody of 爱丽丝生物科技" in response.text
    assert 'data-testid="offer-outcome"' in response.text
    assert reverse("frontend:engagement-detail", args=[engagement.pk]) in response.text


def test_accepting_an_accepted_offer_says_so(client, personas, engagement):
    client.force_login(personas.agency_consultant)

    response = client.post(
        reverse("frontend:offer-accept", args=[engagement.offer_id]), follow=True
    )

    assert response.redirect_chain == [
        (reverse("frontend:offer-detail", args=[engagement.offer_id]), 302)
    ]
    assert "This offer was already accepted." in response.text
    assert "alert-danger" in response.text
    assert Engagement.objects.count() == 1


def test_accepting_after_the_deadline_says_when_it_expired(client, personas, offer):
    client.force_login(personas.agency_consultant)

    with time_machine.travel(offer.respond_by + datetime.timedelta(hours=1)):
        response = client.post(reverse("frontend:offer-accept", args=[offer.pk]), headers=HTMX)

    assert "This offer expired on" in response.text
    assert "alert-danger" in response.text
    assert not Engagement.objects.exists()


def test_accepting_beyond_the_budget_waitlists_the_firm_and_says_so(
    client, personas, programme, offer
):
    programme.budget = Decimal("4000.00")
    programme.save()
    client.force_login(personas.agency_consultant)

    response = client.post(reverse("frontend:offer-accept", args=[offer.pk]), headers=HTMX)

    assert "the firm is on the waiting list" in response.text
    offer.request.refresh_from_db()
    assert offer.request.status == CustodyRequest.Status.WAITLISTED
    assert not Engagement.objects.exists()


def test_decline_needs_a_reason_and_the_firm_reads_it(client, personas, offer):
    client.force_login(personas.agency_consultant)
    url = reverse("frontend:offer-decline", args=[offer.pk])

    empty = client.post(url, {"reason": ""}, headers=HTMX)
    given = client.post(url, {"reason": "本季度满员"}, headers=HTMX)

    assert "Please say why you decline." in empty.text
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED
    assert "the firm is told your reason" in given.text
    client.force_login(personas.firm_member)
    page = client.get(reverse("frontend:request-detail", args=[offer.request_id]))
    assert "本季度满员" in page.text
    assert page.context["custody_request"].status == CustodyRequest.Status.OPEN


def test_rival_agency_cannot_see_or_answer_the_offer(client, personas, offer):
    client.force_login(personas.rival_consultant)

    page = client.get(reverse("frontend:offer-detail", args=[offer.pk]))
    accept = client.post(reverse("frontend:offer-accept", args=[offer.pk]))

    assert page.status_code == 404
    assert accept.status_code == 404
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING


def test_firm_cannot_answer_its_own_offer(client, personas, offer):
    client.force_login(personas.firm_member)

    response = client.post(reverse("frontend:offer-accept", args=[offer.pk]))

    assert response.status_code == 403


def test_officer_reads_the_offer_without_answering(client, personas, offer):
    client.force_login(personas.officer)

    response = client.get(reverse("frontend:offer-detail", args=[offer.pk]))

    assert response.status_code == 200
    assert response.context["can_answer"] is False
    assert "Decline the offer" not in response.text


@pytest.fixture
def many_offers(personas, programme):
    def make(count):
        # Waiting offers count against the agency's places: give it room for them all.
        personas.agency.yearly_capacity = max(personas.agency.yearly_capacity, count + 1)
        personas.agency.save(update_fields=["yearly_capacity"])
        for _index in range(count):
            firm = FirmFactory(incubator=personas.incubator)
            actions.firm_verify(firm=firm, by=personas.incubator_manager)
            member = UserFactory(role=User.Role.FIRM_MEMBER, firm=firm)
            submitted = actions.request_submit(
                firm=firm, by=member, programme_year=programme, quotas=programme.standard_quotas
            )
            actions.offer_make(request=submitted, agency=personas.agency, by=member)

    return make


@pytest.mark.parametrize("rows", [1, 50])
def test_inbox_query_count_is_flat(
    client, personas, many_offers, rows, django_assert_max_num_queries
):
    many_offers(rows)
    client.force_login(personas.agency_consultant)

    with django_assert_max_num_queries(7):
        response = client.get(reverse("frontend:offer-inbox"))

    assert response.context["page"].paginator.count == rows
