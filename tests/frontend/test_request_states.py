"""Every page names the same state for a request whose agency accepted but whose
co-payment has not arrived: "waiting for the co-payment", never "under custody"."""

import pytest
from django.urls import reverse

from marketplace.models import Engagement

pytestmark = pytest.mark.django_db

WAITING = "Waiting for the co-payment"


@pytest.fixture
def waiting(engagement):
    # The fixture's programme charges no co-payment; this engagement waits for one.
    Engagement.objects.filter(pk=engagement.pk).update(status=Engagement.Status.AWAITING_PAYMENT)
    engagement.refresh_from_db()
    return engagement


def _pages(client, personas, engagement):
    client.force_login(personas.firm_member)
    return {
        "home": client.get(reverse("frontend:firm-home")).content.decode(),
        "list": client.get(reverse("frontend:request-list")).content.decode(),
        "detail": client.get(
            reverse("frontend:request-detail", args=[engagement.request_id])
        ).content.decode(),
    }


def test_every_page_says_the_co_payment_is_awaited(client, personas, waiting):
    pages = _pages(client, personas, waiting)

    for name, body in pages.items():
        assert WAITING in body, name
        assert ">Under custody<" not in body, name
    assert 'data-testid="awaiting-copayment"' in pages["detail"]
    assert reverse("frontend:engagement-payments", args=[waiting.pk]) in pages["detail"]
    # The list names the agency that accepted, not "—".
    assert waiting.agency.display_name in pages["list"]


def test_once_paid_the_pages_say_under_custody(client, personas, waiting):
    Engagement.objects.filter(pk=waiting.pk).update(status=Engagement.Status.ACTIVE)

    pages = _pages(client, personas, waiting)

    assert ">Under custody<" in pages["list"]
    assert 'data-testid="engaged"' in pages["detail"]
    assert WAITING not in pages["list"]


@pytest.mark.parametrize(
    ("status", "says", "testid"),
    [
        (Engagement.Status.CANCELLED, "Cancelled", "engagement-ended"),
        (Engagement.Status.COMPLETED, "Completed", "engagement-completed"),
    ],
)
def test_an_ended_engagement_is_not_called_under_custody(
    client, personas, waiting, status, says, testid
):
    # A lapsed co-payment or an office cancellation leaves the request engaged: its pages
    # say how the engagement ended, not that custody goes on.
    Engagement.objects.filter(pk=waiting.pk).update(status=status)

    pages = _pages(client, personas, waiting)

    for name, body in pages.items():
        assert "Under custody" not in body, name
    assert f">{says}<" in pages["list"] and f">{says}<" in pages["home"]
    assert f'data-testid="{testid}"' in pages["detail"]
    # The agency that held the engagement is still named in the list.
    assert waiting.agency.display_name in pages["list"]
