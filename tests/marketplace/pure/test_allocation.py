import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.allocation import greedy, solve


def brute_force(request_keys, capacities, scores):
    """Best (placed, total score) over every assignment, by enumeration."""
    options = []
    for key in request_keys:
        options.append([None] + [agency for (k, agency) in scores if k == key])
    best = (0, 0.0)
    for choice in itertools.product(*options):
        load = {}
        for agency in choice:
            if agency is not None:
                load[agency] = load.get(agency, 0) + 1
        if any(load[agency] > capacities[agency] for agency in load):
            continue
        placed = sum(agency is not None for agency in choice)
        total = round(
            sum(
                scores[key, agency]
                for key, agency in zip(request_keys, choice, strict=True)
                if agency is not None
            ),
            2,
        )
        best = max(best, (placed, total))
    return best


@st.composite
def instances(draw):
    n_requests = draw(st.integers(1, 5))
    n_agencies = draw(st.integers(1, 3))
    capacities = {agency: draw(st.integers(0, 2)) for agency in range(n_agencies)}
    scores = {}
    for request in range(n_requests):
        for agency in range(n_agencies):
            if draw(st.booleans()):
                scores[request, agency] = draw(st.integers(0, 10000)) / 100
    return list(range(n_requests)), capacities, scores


@settings(max_examples=300, deadline=None)
@given(instances())
def test_solver_matches_brute_force_optimum(instance):
    request_keys, capacities, scores = instance
    result = solve(request_keys, capacities, scores)
    assert (result.placed, result.total_score) == brute_force(request_keys, capacities, scores)
    load = {}
    for key, agency in result.assignments.items():
        assert (key, agency) in scores
        load[agency] = load.get(agency, 0) + 1
    assert all(load[agency] <= capacities[agency] for agency in load)


def test_solver_beats_greedy_where_greedy_blocks_a_placement():
    # Greedy gives request 0 its favourite, leaving request 1 with nothing.
    scores = {(0, "a"): 90.0, (0, "b"): 80.0, (1, "a"): 70.0}
    capacities = {"a": 1, "b": 1}
    assert greedy([0, 1], capacities, scores).placed == 1
    optimal = solve([0, 1], capacities, scores)
    assert optimal.assignments == {0: "b", 1: "a"}
    assert optimal.total_score == 150.0


def test_same_input_same_result():
    scores = {
        (key, agency): float((key * 7 + agency * 3) % 11)
        for key in range(30)
        for agency in range(5)
    }
    capacities = dict.fromkeys(range(5), 4)
    first = solve(range(30), capacities, scores)
    assert all(solve(range(30), capacities, scores) == first for _ in range(3))
    assert first.placed == 20


def test_the_baseline_is_first_come_first_served():
    # Request 0 came first: it takes its favourite "a" although request 1 scores "a" higher
    # (a baseline by descending score would have served request 1 first).
    scores = {(0, "a"): 60.0, (0, "b"): 59.0, (1, "a"): 90.0, (1, "b"): 20.0}
    capacities = {"a": 1, "b": 1}

    baseline = greedy([0, 1], capacities, scores)

    assert baseline.assignments == {0: "a", 1: "b"}
    assert baseline.total_score == 80.0
    assert solve([0, 1], capacities, scores).total_score == 149.0
