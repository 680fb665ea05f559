import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from marketplace import actions
from marketplace.models import Agency
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "agency-review"}


@pytest.fixture
def applicant(personas):
    return AgencyFactory(name="申请中代理所")


def test_office_home_shows_figures_and_the_review_queue(client, personas, applicant, open_year):
    client.force_login(personas.officer)

    response = client.get(reverse("frontend:office-home"))

    assert response.status_code == 200
    assert list(response.context["pending_agencies"]) == [applicant]
    assert set(response.context["approved_agencies"]) == {personas.agency, personas.rival_agency}
    assert response.context["firm_counts"] == {"pending": 0, "verified": 2, "rejected": 0}
    assert response.context["agency_counts"]["applied"] == 1
    assert response.context["package"]["year"] == open_year
    # No firm covered yet of the 100 targeted.
    assert (response.context["progress"].covered, response.context["progress"].target) == (0, 100)
    assert response.context["progress_step"] == 0
    assert 'hx-target="#agency-review"' in response.text


def test_approve_by_htmx_moves_the_agency_to_approved(client, personas, applicant):
    client.force_login(personas.officer)

    response = client.post(reverse("frontend:agency-approve", args=[applicant.pk]), headers=HTMX)

    applicant.refresh_from_db()
    assert applicant.status == Agency.Status.APPROVED
    assert "<html" not in response.text
    assert list(response.context["pending_agencies"]) == []
    assert applicant in response.context["approved_agencies"]
    assert f"{applicant} is approved and can now receive offers." in response.text
    assert AuditEvent.objects.filter(action="agency.approved", agency=applicant).exists()


def test_a_decision_refreshes_the_tiles_and_the_action_centre(client, personas, applicant):
    client.force_login(personas.officer)

    response = client.post(reverse("frontend:agency-approve", args=[applicant.pk]), headers=HTMX)

    # Out of band: the approved-agencies tile counts the applicant, and the action centre
    # no longer asks for its approval.
    tiles = response.text.split('id="office-tiles"')[1].split('id="action-centre"')[0]
    assert tiles.startswith(' class="row g-3 mb-4" hx-swap-oob="true"')
    assert "?status=approved" in tiles
    assert '<div class="portal-stat-value">3</div>' in tiles
    assert 'data-testid="action-agencies-to-approve"' not in response.text


def test_approving_an_expired_licence_is_refused_with_the_date(client, personas):
    expired = AgencyFactory(
        licence_valid_from=datetime.date(2019, 4, 1), licence_valid_until=datetime.date(2024, 3, 31)
    )
    client.force_login(personas.officer)

    response = client.post(
        reverse("frontend:agency-approve", args=[expired.pk]),
        {"next": reverse("frontend:office-home")},
        follow=True,
    )

    expired.refresh_from_db()
    assert expired.status == Agency.Status.APPLIED
    assert response.redirect_chain == [(reverse("frontend:office-home"), 302)]
    assert "The licence expired on March 31, 2024" in response.text
    assert "alert-danger" in response.text


def test_reject_needs_a_reason_and_records_it(client, personas, applicant):
    client.force_login(personas.officer)
    url = reverse("frontend:agency-reject", args=[applicant.pk])

    empty = client.post(url, {"reason": ""}, headers=HTMX)
    given = client.post(url, {"reason": "Licence number does not match"}, headers=HTMX)

    assert "Please give a reason for the rejection." in empty.text
    applicant.refresh_from_db()
    assert applicant.status == Agency.Status.REJECTED
    assert applicant.status_reason == "Licence number does not match"
    assert "is rejected; the agency sees your reason." in given.text


def test_suspend_takes_an_approved_agency_out(client, personas):
    client.force_login(personas.officer)

    response = client.post(
        reverse("frontend:agency-suspend", args=[personas.agency.pk]),
        {"reason": "Complaints from three firms", "next": reverse("frontend:office-home")},
        follow=True,
    )

    personas.agency.refresh_from_db()
    assert personas.agency.status == Agency.Status.SUSPENDED
    assert personas.agency.status_reason == "Complaints from three firms"
    assert "is suspended and out of matching from now." in response.text
    assert personas.agency not in response.context["approved_agencies"]


def test_suspending_an_applicant_is_refused(client, personas, applicant):
    client.force_login(personas.officer)

    response = client.post(
        reverse("frontend:agency-suspend", args=[applicant.pk]), {"reason": "x"}, headers=HTMX
    )

    assert "this action does not apply." in response.text
    applicant.refresh_from_db()
    assert applicant.status == Agency.Status.APPLIED


def test_reason_longer_than_allowed_is_refused_by_the_form(client, personas, applicant):
    client.force_login(personas.officer)

    response = client.post(
        reverse("frontend:agency-reject", args=[applicant.pk]), {"reason": "x" * 2001}, headers=HTMX
    )

    assert "alert-danger" in response.text
    applicant.refresh_from_db()
    assert applicant.status == Agency.Status.APPLIED


def test_suspended_agency_can_be_reinstated_from_its_page(client, personas):
    actions.agency_suspend(agency=personas.agency, by=personas.officer, reason="audit")
    client.force_login(personas.officer)
    detail = reverse("frontend:agency-detail", args=[personas.agency.pk])

    page = client.get(detail)
    response = client.post(
        reverse("frontend:agency-approve", args=[personas.agency.pk]), {"next": detail}, follow=True
    )

    assert "Reinstate" in page.text
    assert response.redirect_chain == [(detail, 302)]
    personas.agency.refresh_from_db()
    assert personas.agency.status == Agency.Status.APPROVED


def test_approved_list_flags_licences_ending_within_90_days(client, personas):
    today = timezone.localdate()
    personas.agency.licence_valid_until = today + datetime.timedelta(days=30)
    personas.agency.save(update_fields=["licence_valid_until"])
    client.force_login(personas.officer)

    response = client.get(reverse("frontend:office-home"))

    assert list(response.context["approved_agencies"])[0] == personas.agency
    assert response.text.count("expires soon") == 1


@pytest.mark.parametrize("persona", ["firm_member", "agency_consultant", "incubator_manager"])
@pytest.mark.parametrize(
    "view", ["frontend:agency-approve", "frontend:agency-reject", "frontend:agency-suspend"]
)
def test_only_officers_decide_on_agencies(client, personas, applicant, persona, view):
    client.force_login(getattr(personas, persona))

    response = client.post(reverse(view, args=[applicant.pk]), {"reason": "x"})

    assert response.status_code == 403
    applicant.refresh_from_db()
    assert applicant.status == Agency.Status.APPLIED


@pytest.mark.parametrize("rows", [1, 50])
def test_office_home_query_count_is_flat(
    client, personas, open_year, rows, django_assert_max_num_queries
):
    AgencyFactory.create_batch(rows)
    client.force_login(personas.officer)

    # 14 for the page (one of them the covered firms of the progress figure), 8 for the action
    # centre (reporting.action_centre.officer_actions, pinned alone in
    # tests/frontend/test_action_centre.py) and 3 for the timeline's page (its events, their
    # count, the agencies it names again in the reader's language).
    with django_assert_max_num_queries(25):
        client.get(reverse("frontend:office-home"))
