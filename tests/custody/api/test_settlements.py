"""Settlement over the API: rated by the firm, confirmed by the manager, approved by the office."""

import pytest

from custody import actions as custody_actions
from custody.models import Settlement
from tests.marketplace.conftest import NOW
from tests.problems import field_errors

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("later")]

URL = "/api/v1/settlements/"


def _deliver_everything(engagement, personas):
    for item in engagement.items.all():
        record = custody_actions.service_record_log(
            engagement=engagement,
            item=item,
            quantity=item.quota,
            delivered_on=NOW.date(),
            description="交付",
            by=personas.agency_consultant,
        )
        custody_actions.service_record_confirm(record=record, by=personas.firm_member)


def test_rate_confirm_approve(api, personas, engagement):
    _deliver_everything(engagement, personas)
    rated = api(personas.firm_member).post(
        URL, {"engagement": engagement.pk, "rating": 5, "comment": "很好"}, format="json"
    )
    assert rated.status_code == 201, rated.json()
    settlement_id = rated.json()["id"]
    assert rated.json()["status"] == "rated"
    # The office cannot approve before the incubator confirms.
    early = api(personas.officer).post(f"{URL}{settlement_id}/approve/")
    assert early.status_code == 409
    assert early.json()["code"] == "settlement_rated"
    confirmed = api(personas.incubator_manager).post(f"{URL}{settlement_id}/confirm/")
    assert confirmed.json()["status"] == "confirmed"
    approved = api(personas.officer).post(f"{URL}{settlement_id}/approve/")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"
    assert approved.json()["amount"] is not None
    engagement.refresh_from_db()
    assert engagement.status == "completed"


def test_rating_too_early_says_why(api, personas, engagement):
    response = api(personas.firm_member).post(
        URL, {"engagement": engagement.pk, "rating": 4}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_complete"
    assert not Settlement.objects.exists()


def test_a_rating_out_of_range_is_refused_on_the_field(api, personas, engagement):
    response = api(personas.firm_member).post(
        URL, {"engagement": engagement.pk, "rating": 6}, format="json"
    )
    assert response.status_code == 400
    assert "rating" in field_errors(response)


def test_another_managers_confirmation_is_refused(api, personas, engagement):
    _deliver_everything(engagement, personas)
    settlement = custody_actions.settlement_rate(
        engagement=engagement, by=personas.firm_member, rating=4
    )
    response = api(personas.other_manager).post(f"{URL}{settlement.pk}/confirm/")
    assert response.status_code == 404
    assert api(personas.rival_consultant).get(URL).json()["count"] == 0
    settlement.refresh_from_db()
    assert settlement.status == "rated"
