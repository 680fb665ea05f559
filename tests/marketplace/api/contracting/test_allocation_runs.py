import pytest
from rest_framework import status

from marketplace import actions
from marketplace.models import AllocationRun, CustodyRequest, Offer
from tests.marketplace.api.contracting.utils import member_of, open_requests, url
from tests.marketplace.api.utils import ANONYMOUS_STATUS
from tests.problems import field_errors

pytestmark = pytest.mark.django_db

LIST = url("allocation-runs")


@pytest.fixture
def run(personas, programme):
    open_requests(personas, programme, 2)
    return actions.allocation_preview(programme_year=programme, by=personas.officer)


def test_officer_previews_an_allocation_with_reasons_for_the_unplaced(api, personas, programme):
    personas.agency.yearly_capacity = 2
    personas.agency.save()
    personas.rival_agency.yearly_capacity = 1
    personas.rival_agency.save()
    requests = open_requests(personas, programme, 4)
    response = api(personas.officer).post(LIST, {}, format="json")
    assert response.status_code == status.HTTP_201_CREATED, response.json()
    body = response.json()
    assert (body["status"], body["year"], body["request_count"]) == ("preview", 2026, 4)
    assert (body["placed"], body["unplaced_count"]) == (3, 1)
    assert body["objective"] >= body["greedy_objective"]
    names = {request.pk: request.firm.name for request in requests}
    for row in body["assignments"]:
        assert row["firm_name"] == names[row["request"]]
        assert row["agency_name"] in {personas.agency.name_en, personas.rival_agency.name_en}
    (unplaced,) = body["unplaced"]
    assert unplaced["firm_name"] == names[unplaced["request"]]
    assert unplaced["constraint"] == "capacity_taken"
    assert unplaced["text"] == (
        "Every eligible agency's capacity went to firms with better matches."
    )
    assert unplaced["eligible_agencies"] == 2
    assert {row["agency"]: (row["assigned"], row["free"]) for row in body["load"]} == {
        personas.agency.pk: (2, 2),
        personas.rival_agency.pk: (1, 1),
    }
    assert not Offer.objects.exists()


def test_a_firm_no_agency_can_serve_gets_the_blocking_rule(api, personas, programme):
    for agency in (personas.agency, personas.rival_agency):
        agency.service_items.set([programme.extra_item])
    open_requests(personas, programme, 1)
    body = api(personas.officer).post(LIST, {}, format="json").json()
    (unplaced,) = body["unplaced"]
    assert unplaced["constraint"] == "items_not_served"
    assert unplaced["text"] == "The agency does not offer every requested service item."
    assert unplaced["excluded"] == [
        {
            "constraint": "items_not_served",
            "text": "The agency does not offer every requested service item.",
            "count": 2,
        }
    ]


def test_preview_of_chosen_requests_only(api, personas, programme):
    requests = open_requests(personas, programme, 3)
    client = api(personas.officer)
    response = client.post(
        LIST, {"programme_year": programme.pk, "requests": [requests[1].pk]}, format="json"
    )
    assert response.status_code == status.HTTP_201_CREATED
    assert response.json()["request_count"] == 1
    assert [row["request"] for row in response.json()["assignments"]] == [requests[1].pk]
    unknown = client.post(LIST, {"requests": [requests[0].pk, 999_999]}, format="json")
    assert unknown.status_code == status.HTTP_400_BAD_REQUEST
    assert field_errors(unknown)["requests"] == ["No such custody request: 999999."]


def test_nothing_to_allocate_is_a_clear_error(api, personas, programme):
    response = api(personas.officer).post(LIST, {}, format="json")
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json()["code"] == "nothing_to_allocate"


def test_commit_sends_the_offers_once(api, personas, run):
    client = api(personas.officer)
    response = client.post(url("allocation-runs", run, "commit/"))
    assert response.status_code == status.HTTP_200_OK
    body = response.json()
    assert body["status"] == "committed"
    assert body["committed_at"] is not None
    offers = Offer.objects.filter(source=Offer.Source.ALLOCATION, status=Offer.Status.PENDING)
    assert sorted(body["committed_offers"]) == sorted(offers.values_list("pk", flat=True))
    assert len(body["committed_offers"]) == 2
    assert body["skipped"] == []
    again = client.post(url("allocation-runs", run, "commit/"))
    assert again.status_code == status.HTTP_409_CONFLICT
    assert again.json()["detail"] == "This allocation was already Committed."


def test_commit_skips_requests_no_longer_open(api, personas, run):
    withdrawn = CustodyRequest.objects.get(pk=run.request_ids[0])
    actions.request_withdraw(request=withdrawn, by=member_of(withdrawn))
    body = api(personas.officer).post(url("allocation-runs", run, "commit/")).json()
    assert body["skipped"] == [withdrawn.pk]
    assert len(body["committed_offers"]) == 1


def test_officer_lists_and_reads_runs(api, personas, run):
    client = api(personas.officer)
    rows = client.get(LIST).json()["results"]
    assert [(row["id"], row["placed"], row["unplaced_count"]) for row in rows] == [(run.pk, 2, 0)]
    body = client.get(url("allocation-runs", run)).json()
    assert len(body["assignments"]) == 2


@pytest.mark.parametrize(
    "persona",
    [
        "firm_member",
        "other_firm_member",
        "agency_consultant",
        "rival_consultant",
        "incubator_manager",
        "other_manager",
    ],
)
def test_only_officers_allocate(api, personas, run, persona):
    client = api(getattr(personas, persona))
    assert client.get(LIST).status_code == status.HTTP_403_FORBIDDEN
    assert client.get(url("allocation-runs", run)).status_code == status.HTTP_403_FORBIDDEN
    assert client.post(LIST, {}, format="json").status_code == status.HTTP_403_FORBIDDEN
    commit = client.post(url("allocation-runs", run, "commit/"))
    assert commit.status_code == status.HTTP_403_FORBIDDEN
    run.refresh_from_db()
    assert run.status == AllocationRun.Status.PREVIEW
    assert AllocationRun.objects.count() == 1


def test_anonymous_is_asked_to_sign_in(api, personas, run):
    client = api()
    assert client.get(LIST).status_code == ANONYMOUS_STATUS
    assert client.get(url("allocation-runs", run)).status_code == ANONYMOUS_STATUS
    assert client.post(LIST, {}, format="json").status_code == ANONYMOUS_STATUS
    assert client.post(url("allocation-runs", run, "commit/")).status_code == ANONYMOUS_STATUS
