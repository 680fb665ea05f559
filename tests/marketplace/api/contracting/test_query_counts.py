"""Lists and the allocation result make the same number of queries for 1 row as for 30."""

import pytest

from marketplace import actions
from tests.marketplace.api.contracting.utils import member_of, open_requests, url

pytestmark = pytest.mark.django_db

SIZES = [1, 30]


def _offered(personas, programme, rows):
    # Waiting offers count against the agency's places: give it room for them all.
    personas.agency.yearly_capacity = max(personas.agency.yearly_capacity, rows + 1)
    personas.agency.save(update_fields=["yearly_capacity"])
    requests = open_requests(personas, programme, rows)
    for request in requests:
        actions.offer_make(request=request, agency=personas.agency, by=member_of(request))
    return requests


# Most queries: page count, rows, request items, offers of the requests.
@pytest.mark.parametrize("rows", SIZES)
@pytest.mark.parametrize("persona", ["officer", "incubator_manager", "agency_consultant"])
def test_request_list(api, personas, programme, django_assert_max_num_queries, rows, persona):
    _offered(personas, programme, rows)
    client = api(getattr(personas, persona))
    with django_assert_max_num_queries(4):
        response = client.get(url("custody-requests"))
    assert response.json()["count"] == rows
    assert all(len(row["items"]) == 3 and row["offers"] for row in response.json()["results"])


# Most queries: page count, offers with firm, agency and engagement, request items.
@pytest.mark.parametrize("rows", SIZES)
def test_offer_inbox(api, personas, programme, django_assert_max_num_queries, rows):
    _offered(personas, programme, rows)
    client = api(personas.agency_consultant)
    with django_assert_max_num_queries(3):
        response = client.get(url("offers"), {"status": "pending", "ordering": "respond_by"})
    assert response.json()["count"] == rows
    assert all(row["explanation"] for row in response.json()["results"])


# Most queries: the run, its requests with their firms, the agencies it names.
@pytest.mark.parametrize("rows", SIZES)
def test_allocation_run_detail(api, personas, programme, django_assert_max_num_queries, rows):
    open_requests(personas, programme, rows)
    run = actions.allocation_preview(programme_year=programme, by=personas.officer)
    client = api(personas.officer)
    with django_assert_max_num_queries(3):
        response = client.get(url("allocation-runs", run))
    body = response.json()
    assert body["request_count"] == rows
    assert len(body["assignments"]) == rows
    assert all(row["firm_name"] and row["agency_name"] for row in body["assignments"])
