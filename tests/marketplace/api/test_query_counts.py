"""List endpoints make the same number of queries for 1 row as for 30."""

import pytest

from marketplace import actions
from tests.factories import (
    AgencyFactory,
    FirmFactory,
    IncubatorFactory,
    PackageItemFactory,
    ProgrammeYearFactory,
    ServiceItemFactory,
)

pytestmark = pytest.mark.django_db


def make_firms(personas, count):
    FirmFactory.create_batch(count, incubator=IncubatorFactory())


def make_agencies(personas, count):
    items = ServiceItemFactory.create_batch(3)
    for agency in AgencyFactory.create_batch(count):
        agency.service_items.set(items)


def make_incubators(personas, count):
    IncubatorFactory.create_batch(count, park=None)


def make_programme_years(personas, count):
    items = ServiceItemFactory.create_batch(3)
    for year in ProgrammeYearFactory.create_batch(count):
        for item in items:
            PackageItemFactory(programme_year=year, service_item=item)


def make_audit_events(personas, count):
    for agency in AgencyFactory.create_batch(count):
        actions.agency_approve(agency=agency, by=personas.officer)


def make_service_items(personas, count):
    ServiceItemFactory.create_batch(count)


# (path, how to add rows, most queries: page count + rows + one per prefetch)
CASES = [
    ("/api/v1/firms/", make_firms, 2),
    ("/api/v1/agencies/", make_agencies, 3),
    ("/api/v1/incubators/", make_incubators, 2),
    ("/api/v1/programme-years/", make_programme_years, 4),
    ("/api/v1/audit-events/", make_audit_events, 2),
    ("/api/v1/service-items/", make_service_items, 2),
]


@pytest.mark.parametrize("rows", [1, 30])
@pytest.mark.parametrize(("path", "make_rows", "most"), CASES, ids=[case[0] for case in CASES])
def test_list_queries_stay_flat(
    api, personas, django_assert_max_num_queries, path, make_rows, most, rows
):
    make_rows(personas, rows)
    client = api(personas.officer)
    with django_assert_max_num_queries(most):
        response = client.get(path)
    assert response.status_code == 200
    assert response.json()["count"] >= rows
