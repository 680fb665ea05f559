"""Cohort allocation: an optimal assignment of requests to agencies under capacity.

Pure: takes the eligible (request, agency) scores and each agency's free
capacity, returns the assignment. The objective is lexicographic: place as
many firms as possible, then maximise the total match score. Solved exactly
as a maximum flow of minimum cost (OR-Tools): source → request (1) → agency
(1 per eligible pair, cost −score) → sink (free capacity); the flow places as
many requests as capacity allows, and among those assignments the cost picks
the highest total score.
"""

from dataclasses import dataclass

from core.lazy import lazy_import

# OR-Tools and numpy load when a cohort is first solved, not when a command imports this.
np = lazy_import("numpy")
min_cost_flow = lazy_import("ortools.graph.python.min_cost_flow")

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


def solve_matrix(scores, capacities):
    """Optimal assignment over a score matrix.

    scores: float array (requests × agencies), NaN where the pair is not eligible.
    capacities: int array (agencies), free places.
    Returns an int array with each request's agency column, or -1 when unplaced.
    """
    n, m = scores.shape
    assignment = np.full(n, -1, dtype=np.int64)
    if n == 0 or m == 0:
        return assignment
    capacities = np.asarray(capacities, dtype=np.int64)
    eligible = ~np.isnan(scores) & (capacities > 0)[None, :]
    rows, cols = np.nonzero(eligible)
    if rows.size == 0:
        return assignment
    points = np.rint(scores[rows, cols] * SCALE).astype(np.int64)

    source, sink = 0, 1
    request_nodes = 2 + np.arange(n, dtype=np.int64)
    agency_nodes = 2 + n + np.arange(m, dtype=np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(n, source, dtype=np.int64),
        request_nodes,
        np.ones(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
    )
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        request_nodes[rows],
        agency_nodes[cols],
        np.ones(rows.size, dtype=np.int64),
        -points,
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        agency_nodes,
        np.full(m, sink, dtype=np.int64),
        np.maximum(capacities, 0),
        np.zeros(m, dtype=np.int64),
    )
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    # Most placements first, then the cheapest (highest-scoring) among those flows.
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow did not reach an optimum (status {status})")
    used = flow.flows(pair_arcs) > 0
    assignment[rows[used]] = cols[used]
    return assignment


def _as_matrix(request_keys, capacities, scores):
    agency_ids = sorted(capacities)
    row = {key: i for i, key in enumerate(request_keys)}
    column = {agency_id: j for j, agency_id in enumerate(agency_ids)}
    matrix = np.full((len(request_keys), len(agency_ids)), np.nan)
    for (key, agency_id), value in scores.items():
        if agency_id in column:
            matrix[row[key], column[agency_id]] = value
    return matrix, agency_ids


def solve(request_keys, capacities, scores):
    """Assign requests to agencies.

    request_keys: request identifiers, in a stable order.
    capacities: {agency_id: free places}.
    scores: {(request_key, agency_id): score} for eligible pairs only.
    """
    request_keys = list(request_keys)
    matrix, agency_ids = _as_matrix(request_keys, capacities, scores)
    assignment = solve_matrix(matrix, np.array([capacities[a] for a in agency_ids], dtype=np.int64))
    assignments = {
        key: agency_ids[column]
        for key, column in zip(request_keys, assignment.tolist(), strict=True)
        if column >= 0
    }
    return _result(request_keys, assignments, scores)


def _result(request_keys, assignments, scores):
    total = sum(scores[key, agency_id] for key, agency_id in assignments.items())
    unplaced = [key for key in request_keys if key not in assignments]
    return Allocation(assignments, unplaced, round(total, 2))


def greedy_matrix(scores, capacities):
    """Baseline, first come first served: each request in turn (the rows' order, the order
    they were submitted in) takes its best-scoring agency with a place left (the first
    such column on a tie), as firms choosing one by one would."""
    n, _m = scores.shape
    assignment = np.full(n, -1, dtype=np.int64)
    remaining = np.array(capacities, dtype=np.int64)
    for i in range(n):
        row = np.where(np.isnan(scores[i]) | (remaining <= 0), -np.inf, scores[i])
        j = int(np.argmax(row))
        if row[j] == -np.inf:
            continue
        assignment[i] = j
        remaining[j] -= 1
    return assignment


def greedy(request_keys, capacities, scores):
    request_keys = list(request_keys)
    matrix, agency_ids = _as_matrix(request_keys, capacities, scores)
    assignment = greedy_matrix(matrix, [capacities[a] for a in agency_ids])
    assignments = {
        key: agency_ids[column]
        for key, column in zip(request_keys, assignment.tolist(), strict=True)
        if column >= 0
    }
    return _result(request_keys, assignments, scores)
