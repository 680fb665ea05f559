"""Service items, programme years with their package, and high-tech parks."""

from decimal import Decimal

import pytest
from rest_framework import status

from core.models import AuditEvent
from marketplace.models import PackageItem, ProgrammeYear, ServiceItem
from tests.factories import (
    HighTechParkFactory,
    PackageItemFactory,
    ProgrammeYearFactory,
    ServiceItemFactory,
)
from tests.marketplace.api.utils import ANONYMOUS_STATUS, ids
from tests.problems import field_errors

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/service-items/"
YEARS = "/api/v1/programme-years/"
PARKS = "/api/v1/high-tech-parks/"


# --- Service items ----------------------------------------------------------------------


def test_non_officers_see_only_active_items(api, personas):
    active = ServiceItemFactory()
    retired = ServiceItemFactory(is_active=False)
    assert ids(api(personas.firm_member).get(ITEMS)) == {active.pk}
    assert ids(api(personas.officer).get(ITEMS)) == {active.pk, retired.pk}
    assert api(personas.agency_consultant).get(f"{ITEMS}{retired.pk}/").status_code == 404
    assert api().get(ITEMS).status_code == ANONYMOUS_STATUS


def test_officer_adds_item_with_display_labels(api, personas):
    response = api(personas.officer).post(
        ITEMS,
        {
            "code": "fee-watch",
            "area": "maintenance",
            "name": "年费监控",
            "name_en": "Annual fee watch",
            "unit": "assets",
            "unit_price": "120.00",
        },
        format="json",
    )
    assert response.status_code == status.HTTP_201_CREATED, response.json()
    body = response.json()
    assert (body["area_display"], body["unit_display"]) == ("Fees and deadlines", "assets")
    assert body["display_name"] == "Annual fee watch"
    assert AuditEvent.objects.filter(
        action="serviceitem.created", subject_id=str(body["id"])
    ).exists()


def test_negative_price_is_refused(api, personas):
    response = api(personas.officer).post(
        ITEMS,
        {
            "code": "x",
            "area": "consulting",
            "name": "x",
            "name_en": "x",
            "unit": "times",
            "unit_price": "-1",
        },
        format="json",
    )
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert "unit_price" in field_errors(response)


def test_agency_staff_cannot_add_items(api, personas):
    response = api(personas.agency_consultant).post(ITEMS, {"code": "x"}, format="json")
    assert response.status_code == status.HTTP_403_FORBIDDEN
    assert not ServiceItem.objects.filter(code="x").exists()


def test_filter_items_by_area(api, personas):
    training = ServiceItemFactory(area="training")
    ServiceItemFactory(area="consulting")
    assert ids(api(personas.officer).get(ITEMS, {"area": "training"})) == {training.pk}


# --- Programme years ----------------------------------------------------------------------


def year_payload(items, **overrides):
    payload = {
        "year": 2027,
        "name": "2027年度知识产权托管",
        "budget": "2000000.00",
        "target_firms": 200,
        "government_share": "0.800",
        "opens_on": "2027-01-01",
        "closes_on": "2027-12-31",
        "package_items": [{"service_item": item.pk, "quota": 2} for item in items],
    }
    payload.update(overrides)
    return payload


@pytest.mark.parametrize(
    "persona", ["firm_member", "agency_consultant", "incubator_manager", "officer"]
)
def test_every_signed_in_persona_reads_programme_years_with_package(api, personas, persona):
    item = PackageItemFactory(
        service_item=ServiceItemFactory(unit_price=Decimal("500.00")), quota=3
    )
    response = api(getattr(personas, persona)).get(f"{YEARS}{item.programme_year.pk}/")
    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    assert body["package_price"] == "1500.00"
    assert body["package_items"][0]["quota"] == 3
    assert body["package_items"][0]["unit_price"] == "500.00"


def test_anonymous_cannot_read_programme_years(api, personas):
    assert api().get(YEARS).status_code == ANONYMOUS_STATUS


def test_officer_sets_up_year_with_its_package(api, personas):
    items = [
        ServiceItemFactory(unit_price=Decimal("1000.00")),
        ServiceItemFactory(unit_price=Decimal("250.00")),
    ]
    response = api(personas.officer).post(YEARS, year_payload(items), format="json")
    assert response.status_code == status.HTTP_201_CREATED, response.json()
    body = response.json()
    assert body["package_price"] == "2500.00"
    assert {row["service_item"] for row in body["package_items"]} == {item.pk for item in items}
    year = ProgrammeYear.objects.get(pk=body["id"])
    assert AuditEvent.objects.filter(
        action="programmeyear.created", subject_id=str(year.pk)
    ).exists()
    assert AuditEvent.objects.filter(action="packageitem.created").count() == 2


def test_closing_before_opening_is_refused_and_nothing_is_saved(api, personas):
    item = ServiceItemFactory()
    response = api(personas.officer).post(
        YEARS, year_payload([item], closes_on="2026-12-31"), format="json"
    )
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert field_errors(response) == {
        "closes_on": ["The closing date must not be before the opening date."]
    }
    assert not ProgrammeYear.objects.filter(year=2027).exists()
    assert not PackageItem.objects.exists()


def test_the_same_item_twice_is_refused(api, personas):
    item = ServiceItemFactory()
    response = api(personas.officer).post(YEARS, year_payload([item, item]), format="json")
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert field_errors(response) == {"package_items": ["Each service item may appear only once."]}


def test_patch_changes_quota_and_adds_items_keeping_the_rest(api, personas):
    kept, changed, added = ServiceItemFactory(), ServiceItemFactory(), ServiceItemFactory()
    year = ProgrammeYearFactory(year=2030)
    PackageItemFactory(programme_year=year, service_item=kept, quota=1)
    PackageItemFactory(programme_year=year, service_item=changed, quota=1)
    response = api(personas.officer).patch(
        f"{YEARS}{year.pk}/",
        {
            "target_firms": 300,
            "package_items": [
                {"service_item": changed.pk, "quota": 4},
                {"service_item": added.pk, "quota": 2, "is_standard": False},
            ],
        },
        format="json",
    )
    assert response.status_code == status.HTTP_200_OK, response.json()
    quotas = {
        row["service_item"]: (row["quota"], row["is_standard"])
        for row in response.json()["package_items"]
    }
    assert quotas == {kept.pk: (1, True), changed.pk: (4, True), added.pk: (2, False)}
    year.refresh_from_db()
    assert year.target_firms == 300
    assert AuditEvent.objects.filter(action="packageitem.updated").count() == 1


def test_firm_member_cannot_change_a_year(api, personas):
    year = ProgrammeYearFactory()
    response = api(personas.firm_member).patch(
        f"{YEARS}{year.pk}/", {"budget": "1.00"}, format="json"
    )
    assert response.status_code == status.HTTP_403_FORBIDDEN


# --- High-tech parks ------------------------------------------------------------------------


def test_parks_are_read_only_reference_data(api, personas):
    park = HighTechParkFactory(district="320113")
    client = api(personas.firm_member)
    response = client.get(PARKS)
    assert ids(response) == {park.pk}
    assert response.json()["results"][0]["district_display"] == "Qixia"
    assert client.get(f"{PARKS}{park.pk}/").status_code == status.HTTP_200_OK
    officer = api(personas.officer)
    assert (
        officer.post(PARKS, {"name": "x", "district": "320113"}, format="json").status_code == 405
    )
    assert officer.patch(f"{PARKS}{park.pk}/", {"name": "x"}, format="json").status_code == 405
    assert api().get(PARKS).status_code == ANONYMOUS_STATUS
