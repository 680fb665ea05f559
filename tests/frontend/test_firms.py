import pytest
from django.urls import reverse

from marketplace import actions
from tests.factories import FirmFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_firm_home_shows_profile_status_team_timeline_and_year(client, personas, open_year):
    colleague = UserFactory(
        username="carol", role="firm_member", firm=personas.firm, display_name="Carol"
    )
    client.force_login(personas.firm_member)

    response = client.get(reverse("frontend:firm-home"))

    assert response.status_code == 200
    assert response.context["firm"] == personas.firm
    assert list(response.context["members"]) == [personas.firm_member, colleague]
    assert [event.action for event in response.context["events"]] == ["firm.verified"]
    assert response.context["package"]["year"] == open_year
    assert personas.firm.credit_code in response.text
    assert "confirmed your firm on" in response.text
    assert "Confirmed by the incubator" in response.text


def test_firm_home_explains_a_rejection_with_its_reason(client, personas):
    firm = FirmFactory(incubator=personas.incubator)
    member = UserFactory(role="firm_member", firm=firm)
    actions.firm_reject(firm=firm, by=personas.incubator_manager, reason="Not admitted here")
    client.force_login(member)

    response = client.get(reverse("frontend:firm-home"))

    assert "could not confirm your firm." in response.text
    assert "Not admitted here" in response.text
    assert [event.action for event in response.context["events"]] == ["firm.rejected"]


def test_firm_timeline_shows_only_the_firms_events(client, personas):
    client.force_login(personas.firm_member)

    events = client.get(reverse("frontend:firm-home")).context["events"]

    assert {event.firm_id for event in events} == {personas.firm.pk}


def test_officer_firm_list_filters_and_paginates(client, personas):
    FirmFactory.create_batch(30, incubator=personas.other_incubator, industry="ai")
    client.force_login(personas.officer)

    first = client.get(reverse("frontend:firm-list"), {"industry": "ai"})
    second = client.get(reverse("frontend:firm-list"), {"industry": "ai", "page": 2})
    by_incubator = client.get(reverse("frontend:firm-list"), {"incubator": personas.incubator.pk})

    assert first.context["page"].paginator.count == 30
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    # Page links keep the filters.
    assert "?industry=ai&amp;page=2" in first.text
    assert list(by_incubator.context["page"]) == [personas.firm]


def test_firm_list_search_by_name_or_code(client, personas):
    client.force_login(personas.officer)

    by_name = client.get(reverse("frontend:firm-list"), {"q": "鲍勃"})
    by_code = client.get(reverse("frontend:firm-list"), {"q": personas.firm.credit_code[-6:]})

    assert list(by_name.context["page"]) == [personas.other_firm]
    assert list(by_code.context["page"]) == [personas.firm]


def test_manager_firm_list_is_scoped_to_the_incubator(client, personas):
    client.force_login(personas.incubator_manager)

    response = client.get(reverse("frontend:firm-list"))

    assert list(response.context["page"]) == [personas.firm]
    assert "鲍勃软件" not in response.text


@pytest.mark.parametrize("rows", [1, 50])
def test_firm_list_query_count_is_flat(client, personas, rows, django_assert_max_num_queries):
    FirmFactory.create_batch(rows, incubator=personas.other_incubator)
    client.force_login(personas.officer)

    # Fixed ones: the bell's unread count in the navigation bar; the programme years
    # and the parks the filters offer.
    with django_assert_max_num_queries(8):
        client.get(reverse("frontend:firm-list"))


def test_firm_detail_for_the_manager_offers_the_decision(client, personas):
    firm = FirmFactory(incubator=personas.incubator)
    client.force_login(personas.incubator_manager)

    response = client.get(reverse("frontend:firm-detail", args=[firm.pk]))

    assert response.context["can_decide"] is True
    assert reverse("frontend:firm-verify", args=[firm.pk]) in response.text
    assert reverse("frontend:firm-reject", args=[firm.pk]) in response.text
    assert [event.action for event in response.context["events"]] == []


def test_firm_detail_for_the_member_offers_no_decision(client, personas):
    client.force_login(personas.firm_member)

    response = client.get(reverse("frontend:firm-detail", args=[personas.firm.pk]))

    assert response.status_code == 200
    assert response.context["can_decide"] is False
    assert reverse("frontend:firm-verify", args=[personas.firm.pk]) not in response.text


def test_rejected_firm_can_be_confirmed_later_from_its_page(client, personas):
    firm = FirmFactory(incubator=personas.incubator)
    actions.firm_reject(firm=firm, by=personas.incubator_manager, reason="Missing papers")
    client.force_login(personas.incubator_manager)
    detail = reverse("frontend:firm-detail", args=[firm.pk])

    response = client.post(
        reverse("frontend:firm-verify", args=[firm.pk]), {"next": detail}, follow=True
    )

    assert response.redirect_chain == [(detail, 302)]
    assert [event.action for event in response.context["events"]] == [
        "firm.verified",
        "firm.rejected",
    ]
    assert "Missing papers" in response.text
