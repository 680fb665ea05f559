"""Cohort allocation: the office previews an optimal assignment of waiting firms, then commits it."""

from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import states
from core.audit import audit_record
from core.errors import ActionError, InvalidTransition
from core.lazy import lazy_import
from marketplace import allocation, candidates, matching
from marketplace.actions.checks import check_officer
from marketplace.actions.offers import offer_send
from marketplace.models import (
    AllocationRun,
    CustodyRequest,
    Offer,
    RequestItem,
)

np = lazy_import("numpy")  # loaded by the first preview, not by every command's start-up

# --- Cohort allocation -------------------------------------------------------------------


def _allocation_result(*, programme_year, requests, item_ids, today):
    """Score, solve and describe an allocation of `requests` (a list, firms selected), whose
    service items `item_ids` gives ({request pk: service item ids})."""
    profiles = candidates.agency_profiles(programme_year=programme_year)
    request_profiles = [
        candidates.request_profile(request, start_date=today, item_ids=item_ids[request.pk])
        for request in requests
    ]
    scores = matching.score_matrix(request_profiles, profiles)
    capacities = np.array([profile.free_capacity for profile in profiles], dtype=np.int64)
    solved = allocation.solve_matrix(scores, capacities)
    baseline = allocation.greedy_matrix(scores, capacities)

    def objective(assignment):
        placed = assignment >= 0
        rows = np.nonzero(placed)[0]
        return int(placed.sum()), round(float(scores[rows, assignment[rows]].sum()), 2)

    placed, total = objective(solved)
    greedy_placed, greedy_total = objective(baseline)
    assignments, unplaced, load = [], [], {}
    for index, request in enumerate(requests):
        column = int(solved[index])
        if column >= 0:
            agency = profiles[column]
            assignments.append(
                {"request": request.pk, "agency": agency.id, "score": float(scores[index, column])}
            )
            load[column] = load.get(column, 0) + 1
            continue
        eligible_count = int((~np.isnan(scores[index])).sum())
        if eligible_count:
            reason = {"constraint": "capacity_taken", "eligible_agencies": eligible_count}
        else:
            counts = {}
            for profile in profiles:
                exclusion = matching.check_constraints(request_profiles[index], profile)
                if exclusion is not None:
                    counts[exclusion.constraint] = counts.get(exclusion.constraint, 0) + 1
            # The firm's own nearest miss, not the most common first failure among agencies.
            miss = matching.nearest_miss(request_profiles[index], profiles)
            reason = {
                "constraint": miss.constraint if miss else "no_agencies",
                "nearest_agency": miss.agency_id if miss else None,
                "nearest_agency_fails": [e.constraint for e in miss.failed] if miss else [],
                "agencies": counts,
            }
        unplaced.append({"request": request.pk, "firm": request.firm.name, **reason})
    return {
        "assignments": assignments,
        "objective": total,
        "placed": placed,
        "greedy": {"objective": greedy_total, "placed": greedy_placed},
        "unplaced": unplaced,
        "load": [
            {
                "agency": profiles[column].id,
                "name": profiles[column].name,
                "assigned": count,
                "free": profiles[column].free_capacity,
            }
            for column, count in sorted(load.items(), key=lambda item: profiles[item[0]].id)
        ],
    }


def allocatable_requests(programme_year):
    return (
        CustodyRequest.objects.filter(
            programme_year=programme_year, status=CustodyRequest.Status.OPEN
        )
        .select_related("firm")
        .prefetch_related("items")
        .order_by("submitted_at", "pk")
    )


@transaction.atomic
def allocation_preview(*, programme_year, by, request_ids=None, today=None):
    """Solve an allocation of open requests and store it for review; nothing is offered yet."""
    check_officer(by)
    today = today or timezone.localdate()
    requests = allocatable_requests(programme_year)
    if request_ids is not None:
        requests = requests.filter(pk__in=request_ids)
    requests = list(requests.prefetch_related(None))
    if not requests:
        raise ActionError(
            _("There are no open requests to allocate."),
            code="nothing_to_allocate",
            field="requests",
        )
    # The items as pairs of ids, not as model instances: a cohort's requests hold some nine
    # items each, and building 18,000 instances took longer than scoring them (#15).
    item_ids = defaultdict(set)
    for request_id, service_item_id in RequestItem.objects.filter(
        request_id__in=[request.pk for request in requests]
    ).values_list("request_id", "service_item_id"):
        item_ids[request_id].add(service_item_id)
    result = _allocation_result(
        programme_year=programme_year, requests=requests, item_ids=item_ids, today=today
    )
    run = AllocationRun.objects.create(
        programme_year=programme_year,
        created_by=by,
        request_ids=[request.pk for request in requests],
        result=result,
    )
    audit_record(
        actor=by,
        action="allocation.previewed",
        subject=run,
        to_state=run.status,
        data={"placed": result["placed"]},
    )
    return run


@transaction.atomic
def allocation_commit(*, run, by, now=None):
    """Turn a previewed allocation into offers, for the requests that are still open."""
    now = now or timezone.now()
    check_officer(by)
    run = AllocationRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
    if run.status != AllocationRun.Status.PREVIEW:
        raise InvalidTransition(
            _("This allocation was already %(state)s.") % {"state": run.get_status_display()}
        )
    offers, skipped = [], []
    for assignment in run.result.get("assignments", []):
        request = (
            CustodyRequest.objects.select_for_update(of=("self",))
            .select_related("firm", "programme_year")
            .filter(pk=assignment["request"], status=CustodyRequest.Status.OPEN)
            .first()
        )
        if request is None:
            skipped.append(assignment["request"])
            continue
        try:
            offers.append(
                offer_send(
                    request=request,
                    agency_id=assignment["agency"],
                    by=by,
                    source=Offer.Source.ALLOCATION,
                    now=now,
                )
            )
        except ActionError:
            skipped.append(request.pk)
    run.committed_at = now
    run.result = {
        **run.result,
        "committed_offers": [offer.pk for offer in offers],
        "skipped": skipped,
    }
    states.transition(
        run,
        AllocationRun.Status.COMMITTED,
        by=by,
        action="allocation.committed",
        fields=("committed_at", "result"),
        data={"offers": len(offers), "skipped": len(skipped)},
    )
    return run
