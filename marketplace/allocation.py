"""Cohort allocation: an optimal assignment of requests to agencies under capacity.

Pure: takes the eligible (request, agency) scores and each agency's free
capacity, returns the assignment. The objective is lexicographic: place as
many firms as possible, then maximise the total match score. Solved exactly
as a min-cost flow (OR-Tools): source → request (1) → agency (1 per eligible
pair, cost −(BONUS + score)) → sink (free capacity), plus a zero-cost bypass
from source to sink for requests that stay unplaced.
"""

from dataclasses import dataclass

from ortools.graph.python import min_cost_flow

# Scores are 0–100 with two decimals; integers keep the solver exact.
SCALE = 100


@dataclass(frozen=True)
class Allocation:
    assignments: dict  # request key -> agency id
    unplaced: list  # request keys, in input order
    total_score: float

    @property
    def placed(self):
        return len(self.assignments)


def solve(request_keys, capacities, scores):
    """Assign requests to agencies.

    request_keys: request identifiers, in a stable order.
    capacities: {agency_id: free places}.
    scores: {(request_key, agency_id): score} for eligible pairs only.
    """
    request_keys = list(request_keys)
    agency_ids = sorted(capacities)
    if not request_keys:
        return Allocation({}, [], 0.0)
    max_score = max((round(value * SCALE) for value in scores.values()), default=0)
    # Any placement outweighs any difference in score.
    bonus = (max_score + 1) * (len(request_keys) + 1)

    source, sink = 0, 1
    request_node = {key: 2 + index for index, key in enumerate(request_keys)}
    agency_node = {
        agency_id: 2 + len(request_keys) + index for index, agency_id in enumerate(agency_ids)
    }

    flow = min_cost_flow.SimpleMinCostFlow()
    pair_arcs = {}
    for key in request_keys:
        flow.add_arc_with_capacity_and_unit_cost(source, request_node[key], 1, 0)
    for (key, agency_id), value in sorted(
        scores.items(), key=lambda item: (request_node[item[0][0]], item[0][1])
    ):
        if capacities.get(agency_id, 0) <= 0:
            continue
        arc = flow.add_arc_with_capacity_and_unit_cost(
            request_node[key], agency_node[agency_id], 1, -(bonus + round(value * SCALE))
        )
        pair_arcs[arc] = (key, agency_id)
    for agency_id in agency_ids:
        if capacities[agency_id] > 0:
            flow.add_arc_with_capacity_and_unit_cost(
                agency_node[agency_id], sink, capacities[agency_id], 0
            )
    flow.add_arc_with_capacity_and_unit_cost(source, sink, len(request_keys), 0)
    flow.set_node_supply(source, len(request_keys))
    flow.set_node_supply(sink, -len(request_keys))

    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow did not reach an optimum (status {status})")

    assignments = {}
    for arc, (key, agency_id) in pair_arcs.items():
        if flow.flow(arc) > 0:
            assignments[key] = agency_id
    total = sum(scores[key, agency_id] for key, agency_id in assignments.items())
    unplaced = [key for key in request_keys if key not in assignments]
    return Allocation(assignments, unplaced, round(total, 2))


def greedy(request_keys, capacities, scores):
    """Baseline: take pairs by descending score while capacity lasts."""
    remaining = dict(capacities)
    assignments = {}
    for (key, agency_id), _value in sorted(
        scores.items(), key=lambda item: (-item[1], str(item[0]))
    ):
        if key in assignments or remaining.get(agency_id, 0) <= 0:
            continue
        assignments[key] = agency_id
        remaining[agency_id] -= 1
    total = sum(scores[key, agency_id] for key, agency_id in assignments.items())
    unplaced = [key for key in request_keys if key not in assignments]
    return Allocation(assignments, unplaced, round(total, 2))
