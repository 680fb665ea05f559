import pytest
from django.urls import reverse

from marketplace import actions
from marketplace.models import AgencyChange, AllocationRun, Engagement, Offer, User
from tests.factories import FirmFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_requests(personas, programme):
    """Open requests of `count` verified firms (Alice's and Bob's first)."""

    def make(count):
        made = []
        members = [
            (personas.firm, personas.firm_member),
            (personas.other_firm, personas.other_firm_member),
        ]
        for index in range(count):
            if index < len(members):
                firm, member = members[index]
            else:
                firm = FirmFactory(incubator=personas.incubator)
                actions.firm_verify(firm=firm, by=personas.incubator_manager)
                member = UserFactory(role=User.Role.FIRM_MEMBER, firm=firm)
            made.append(
                actions.request_submit(
                    firm=firm, by=member, programme_year=programme, quotas=programme.standard_quotas
                )
            )
        return made

    return make


def test_allocation_page_lists_the_open_requests(client, personas, programme, open_requests):
    requests = open_requests(2)
    client.force_login(personas.officer)

    response = client.get(reverse("frontend:allocation"))

    assert response.context["year"] == programme
    assert response.context["open_count"] == 2
    assert list(response.context["open_requests"]) == requests
    assert 'data-select-all="requests"' in response.text


def test_preview_of_all_open_requests_shows_the_result(client, personas, programme, open_requests):
    open_requests(2)
    client.force_login(personas.officer)

    response = client.post(
        reverse("frontend:allocation-preview"),
        {"programme_year": programme.pk, "scope": "all"},
        follow=True,
    )

    run = AllocationRun.objects.get()
    assert response.redirect_chain == [(reverse("frontend:allocation-run", args=[run.pk]), 302)]
    assert run.status == AllocationRun.Status.PREVIEW
    assert response.context["placed"] == 2 and response.context["total"] == 2
    assert sum(bucket["count"] for bucket in response.context["histogram"]) == 2
    assert [bucket["low"] for bucket in response.context["histogram"]] == list(range(0, 100, 10))
    assert sum(row["assigned"] for row in response.context["load"]) == 2
    assert response.text.count('data-testid="assignment"') == 2
    assert "Commit this allocation?" in response.text
    assert not Offer.objects.exists()


def test_preview_of_the_ticked_requests_only(client, personas, programme, open_requests):
    alice, _bob = open_requests(2)
    client.force_login(personas.officer)

    client.post(
        reverse("frontend:allocation-preview"),
        {"programme_year": programme.pk, "scope": "selected", "requests": [alice.pk]},
    )

    assert AllocationRun.objects.get().request_ids == [alice.pk]


def test_preview_with_nothing_ticked_is_refused(client, personas, programme, open_requests):
    open_requests(1)
    client.force_login(personas.officer)

    response = client.post(
        reverse("frontend:allocation-preview"),
        {"programme_year": programme.pk, "scope": "selected"},
        follow=True,
    )

    assert "Tick at least one request" in response.text
    assert not AllocationRun.objects.exists()


def test_preview_without_open_requests_says_so(client, personas, programme):
    client.force_login(personas.officer)

    response = client.post(
        reverse("frontend:allocation-preview"),
        {"programme_year": programme.pk, "scope": "all"},
        follow=True,
    )

    assert "There are no open requests to allocate." in response.text
    assert not AllocationRun.objects.exists()


def test_unplaced_firms_are_listed_with_the_blocking_constraint(
    client, personas, programme, open_requests
):
    for agency in (personas.agency, personas.rival_agency):
        agency.yearly_capacity = 1
        agency.save()
    open_requests(3)
    client.force_login(personas.officer)

    response = client.post(
        reverse("frontend:allocation-preview"),
        {"programme_year": programme.pk, "scope": "all"},
        follow=True,
    )

    assert response.context["placed"] == 2
    [unplaced] = response.context["unplaced"]
    assert unplaced["reason"] == (
        "Every eligible agency's capacity went to firms with better matches."
    )
    assert "(2 agencies could serve it.)" in response.text


def test_commit_sends_the_offers_once(client, personas, programme, open_requests):
    open_requests(2)
    run = actions.allocation_preview(programme_year=programme, by=personas.officer)
    client.force_login(personas.officer)
    url = reverse("frontend:allocation-commit", args=[run.pk])

    first = client.post(url, follow=True)
    second = client.post(url, follow=True)

    assert "The allocation is committed: 2 offers were sent." in first.text
    assert 'data-testid="run-done"' in first.text
    assert Offer.objects.filter(source=Offer.Source.ALLOCATION).count() == 2
    assert "This allocation was already Committed." in second.text
    assert Offer.objects.count() == 2


def test_past_runs_are_listed(client, personas, programme, open_requests):
    open_requests(1)
    run = actions.allocation_preview(programme_year=programme, by=personas.officer)
    client.force_login(personas.officer)

    response = client.get(reverse("frontend:allocation"))

    assert list(response.context["runs"]) == [run]
    assert reverse("frontend:allocation-run", args=[run.pk]) in response.text


@pytest.mark.parametrize("rows", [1, 50])
def test_preview_page_query_count_is_flat(
    client, personas, programme, open_requests, rows, django_assert_max_num_queries
):
    open_requests(rows)
    run = actions.allocation_preview(programme_year=programme, by=personas.officer)
    client.force_login(personas.officer)

    with django_assert_max_num_queries(6):
        response = client.get(reverse("frontend:allocation-run", args=[run.pk]))

    assert response.context["total"] == rows


@pytest.mark.parametrize("persona", ["firm_member", "agency_consultant", "incubator_manager"])
def test_only_officers_allocate(client, personas, programme, persona):
    client.force_login(getattr(personas, persona))

    page = client.get(reverse("frontend:allocation"))
    preview = client.post(
        reverse("frontend:allocation-preview"), {"programme_year": programme.pk, "scope": "all"}
    )

    assert page.status_code == 403
    assert preview.status_code == 403


# --- Changes of agency -------------------------------------------------------------------

CHANGES = {"HX-Request": "true", "HX-Target": "agency-changes"}


@pytest.fixture
def change(personas, engagement):
    return actions.agency_change_request(
        engagement=engagement,
        new_agency=personas.rival_agency,
        by=personas.firm_member,
        reason="沟通不畅",
    )


def test_changes_page_lists_the_pending_change(client, personas, change):
    client.force_login(personas.officer)

    response = client.get(reverse("frontend:agency-changes"))

    assert list(response.context["pending_changes"]) == [change]
    assert "沟通不畅" in response.text


def test_approving_a_change_moves_the_engagement(client, personas, change):
    client.force_login(personas.officer)

    response = client.post(
        reverse("frontend:agency-change-approve", args=[change.pk]), headers=CHANGES
    )

    change.refresh_from_db()
    assert change.status == AgencyChange.Status.APPROVED
    assert Engagement.objects.get(status=Engagement.Status.ACTIVE).agency == personas.rival_agency
    assert "a new engagement has started" in response.text
    assert "<html" not in response.text
    assert list(response.context["pending_changes"]) == []


def test_refusing_a_change_needs_a_reason(client, personas, change):
    client.force_login(personas.officer)
    url = reverse("frontend:agency-change-refuse", args=[change.pk])

    empty = client.post(url, {"reason": ""}, headers=CHANGES)
    given = client.post(url, {"reason": "服务合同期内不宜更换"}, headers=CHANGES)

    assert "Please give a reason for the refusal." in empty.text
    change.refresh_from_db()
    assert change.status == AgencyChange.Status.REFUSED
    assert "the firm sees your reason" in given.text


def test_only_officers_decide_changes(client, personas, change):
    client.force_login(personas.agency_consultant)

    response = client.post(reverse("frontend:agency-change-approve", args=[change.pk]))

    assert response.status_code == 403
    change.refresh_from_db()
    assert change.status == AgencyChange.Status.PENDING


@pytest.mark.parametrize(
    ("placed", "objective", "greedy", "said"),
    [
        (
            16,
            1211.2,
            {"placed": 15, "objective": 1166.8},
            "The allocation places 1 more firm than first-come would, and its total match "
            "score is 44.4 points higher.",
        ),
        (
            18,
            1390.2,
            {"placed": 18, "objective": 1379.8},
            "The allocation places as many firms as first-come would, with a total match "
            "score 10.4 points higher.",
        ),
        (
            18,
            1444.9,
            {"placed": 18, "objective": 1444.9},
            "Here the allocation and first-come agree: no firm needs a place that first-come "
            "gives to another.",
        ),
    ],
)
def test_the_preview_says_by_how_much_it_beats_first_come(
    client, personas, programme, placed, objective, greedy, said
):
    run = AllocationRun.objects.create(
        programme_year=programme,
        created_by=personas.officer,
        request_ids=[],
        result={"placed": placed, "objective": objective, "greedy": greedy},
    )
    client.force_login(personas.officer)

    english = client.get(reverse("frontend:allocation-run", args=[run.pk]))
    chinese = client.get(
        reverse("frontend:allocation-run", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    gain = english.text.split('data-testid="allocation-gain">')[1].split("</p>")[0]
    assert " ".join(gain.split()) == said
    if placed > greedy["placed"]:
        assert "多安置 1 家企业，匹配总分高出 44.4 分" in chinese.text
