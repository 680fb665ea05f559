import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace import actions
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_agency_home_shows_profile_status_services_staff_timeline(client, personas, catalogue):
    personas.agency.service_items.set([catalogue["consulting"], catalogue["filing"]])
    client.force_login(personas.agency_consultant)

    response = client.get(reverse("frontend:agency-home"))

    assert response.status_code == 200
    assert response.context["agency"] == personas.agency
    assert [(str(area), items) for area, items in response.context["service_groups"]] == [
        ("Consulting", [catalogue["consulting"]]),
        ("Filing and registration", [catalogue["filing"]]),
    ]
    assert list(response.context["staff"]) == [personas.agency_consultant]
    assert [event.action for event in response.context["events"]] == ["agency.approved"]
    assert "can receive custody offers" in response.text
    assert 'data-testid="licence-warning"' not in response.text


def test_agency_home_warns_of_a_licence_ending_within_90_days(client, personas):
    ends = timezone.localdate() + datetime.timedelta(days=45)
    personas.agency.licence_valid_until = ends
    personas.agency.save(update_fields=["licence_valid_until"])
    client.force_login(personas.agency_consultant)

    response = client.get(reverse("frontend:agency-home"))

    assert response.context["licence_expiring"] is True
    assert response.context["licence_days_left"] == 45
    assert "in 45 days" in response.text


def test_agency_home_does_not_warn_at_91_days(client, personas):
    personas.agency.licence_valid_until = timezone.localdate() + datetime.timedelta(days=91)
    personas.agency.save(update_fields=["licence_valid_until"])
    client.force_login(personas.agency_consultant)

    response = client.get(reverse("frontend:agency-home"))

    assert response.context["licence_expiring"] is False
    assert 'data-testid="licence-warning"' not in response.text


def test_agency_home_says_an_expired_licence_stops_offers(client, personas):
    personas.agency.licence_valid_until = timezone.localdate() - datetime.timedelta(days=1)
    personas.agency.save(update_fields=["licence_valid_until"])
    client.force_login(personas.agency_consultant)

    response = client.get(reverse("frontend:agency-home"))

    assert response.context["licence_expired"] is True
    assert "An agency with an expired licence receives no offers." in response.text


@pytest.mark.parametrize(
    ("change", "text"),
    [
        (None, "Your application is being reviewed."),
        ("reject", "The programme office rejected the application."),
    ],
)
def test_agency_home_explains_the_application_status(client, personas, change, text):
    agency = AgencyFactory()
    staff = UserFactory(role="agency_staff", agency=agency)
    if change == "reject":
        actions.agency_reject(agency=agency, by=personas.officer, reason="Licence revoked")
    client.force_login(staff)

    response = client.get(reverse("frontend:agency-home"))

    assert text in response.text
    if change:
        assert "Licence revoked" in response.text


def test_suspended_agency_sees_the_reason(client, personas):
    actions.agency_suspend(agency=personas.agency, by=personas.officer, reason="Missed deadlines")
    client.force_login(personas.agency_consultant)

    response = client.get(reverse("frontend:agency-home"))

    assert "Your agency is suspended and receives no offers." in response.text
    assert "Missed deadlines" in response.text
    assert [event.action for event in response.context["events"]] == [
        "agency.suspended",
        "agency.approved",
    ]


def test_firm_member_sees_the_directory_of_approved_agencies(client, personas):
    AgencyFactory(name="未批准代理所")
    client.force_login(personas.firm_member)

    response = client.get(reverse("frontend:agency-list"))

    assert set(response.context["page"]) == {personas.agency, personas.rival_agency}
    assert "status" not in response.context["filters"].fields
    assert "未批准代理所" not in response.text


def test_officer_filters_agencies_by_status(client, personas):
    applicant = AgencyFactory()
    client.force_login(personas.officer)

    response = client.get(reverse("frontend:agency-list"), {"status": "applied"})

    assert list(response.context["page"]) == [applicant]


@pytest.mark.parametrize("rows", [1, 50])
def test_agency_list_query_count_is_flat(client, personas, rows, django_assert_max_num_queries):
    AgencyFactory.create_batch(rows)
    client.force_login(personas.officer)

    # One of them is the bell's unread count in the navigation bar.
    with django_assert_max_num_queries(5):
        client.get(reverse("frontend:agency-list"))


def test_agency_detail_for_a_firm_member(client, personas):
    client.force_login(personas.firm_member)

    response = client.get(reverse("frontend:agency-detail", args=[personas.agency.pk]))

    assert response.status_code == 200
    assert response.context["can_decide"] is False
    # Firms see the agency, not its people or its dealings with the office.
    assert list(response.context["staff"]) == []
    assert list(response.context["events"]) == []
    assert reverse("frontend:agency-approve", args=[personas.agency.pk]) not in response.text


def test_agency_detail_for_the_officer_shows_the_timeline_and_decisions(client, personas):
    client.force_login(personas.officer)

    response = client.get(reverse("frontend:agency-detail", args=[personas.agency.pk]))

    assert [event.action for event in response.context["events"]] == ["agency.approved"]
    assert reverse("frontend:agency-suspend", args=[personas.agency.pk]) in response.text


@pytest.mark.parametrize(
    ("days_left", "marker"),
    [(-1, "licence-expired"), (30, "licence-ending"), (91, None)],
)
def test_the_agency_list_and_profile_mark_its_licence_state(client, personas, days_left, marker):
    # A firm judging an agency sees that its licence has ended, or soon will.
    personas.agency.licence_valid_until = timezone.localdate() + datetime.timedelta(days=days_left)
    personas.agency.save(update_fields=["licence_valid_until"])
    client.force_login(personas.firm_member)

    for url in (
        reverse("frontend:agency-list"),
        reverse("frontend:agency-detail", args=[personas.agency.pk]),
    ):
        text = client.get(url).text
        for each in ("licence-expired", "licence-ending"):
            assert (f'data-testid="{each}"' in text) == (each == marker), (url, each)
