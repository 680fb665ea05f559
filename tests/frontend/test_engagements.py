import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_agency_lists_its_clients(client, personas, engagement):
    client.force_login(personas.agency_consultant)

    response = client.get(reverse("frontend:engagement-list"))

    assert list(response.context["page"].object_list) == [engagement]
    assert personas.firm.name in response.text


def test_rival_agency_lists_none(client, personas, engagement):
    client.force_login(personas.rival_consultant)

    response = client.get(reverse("frontend:engagement-list"))

    assert list(response.context["page"].object_list) == []


@pytest.mark.parametrize(
    "persona", ["firm_member", "agency_consultant", "incubator_manager", "officer"]
)
def test_parties_read_the_engagement_and_its_history(client, personas, engagement, persona):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse("frontend:engagement-detail", args=[engagement.pk]))

    assert response.status_code == 200
    assert [event.action for event in response.context["events"]] == ["engagement.started"]
    assert "Engagement signed" in response.text
    assert response.text.count('data-testid="engagement-item"') == 3


@pytest.mark.parametrize("persona", ["other_firm_member", "rival_consultant", "other_manager"])
def test_others_do_not_find_the_engagement(client, personas, engagement, persona):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse("frontend:engagement-detail", args=[engagement.pk]))

    assert response.status_code == 404


def test_engagement_list_by_status(client, personas, engagement):
    client.force_login(personas.officer)

    active = client.get(reverse("frontend:engagement-list"), {"status": "active"})
    cancelled = client.get(reverse("frontend:engagement-list"), {"status": "cancelled"})

    assert list(active.context["page"].object_list) == [engagement]
    assert list(cancelled.context["page"].object_list) == []
