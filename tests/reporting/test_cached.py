"""Dashboard figures are computed once and shared until stale, with their age."""

import pytest
from django.core.cache import cache

from core.changes import CHANGED_KEY
from reporting import cached


@pytest.fixture
def computations():
    made = []

    def compute():
        made.append(len(made) + 1)
        return {"n": len(made)}

    return made, compute


def test_fresh_figures_are_served_from_the_cache_with_their_time(computations):
    made, compute = computations
    first = cached.figures("programme", "officer", "2026", compute, now=1000.0)
    again = cached.figures("programme", "officer", "2026", compute, now=1010.0)
    assert first == again == ({"n": 1}, 1000.0)
    assert made == [1]


def test_scopes_and_filters_never_share_figures(computations):
    made, compute = computations
    cached.figures("incubator", "manager:1", "2026", compute, now=1000.0)
    cached.figures("incubator", "manager:2", "2026", compute, now=1000.0)
    cached.figures("incubator", "manager:1", "2025", compute, now=1000.0)
    assert made == [1, 2, 3]


def test_unchanged_data_keeps_figures_until_the_limit(computations):
    made, compute = computations
    cache.set(CHANGED_KEY, 900.0)
    cached.figures("programme", "officer", "2026", compute, now=1000.0)
    later = 1000.0 + cached.FRESH_SECONDS + 60
    assert cached.figures("programme", "officer", "2026", compute, now=later)[0] == {"n": 1}
    expired = 1000.0 + cached.MAX_SECONDS + 1
    assert cached.figures("programme", "officer", "2026", compute, now=expired) == (
        {"n": 2},
        expired,
    )


def test_a_change_is_reflected_once_the_figures_are_older_than_the_fresh_window(computations):
    made, compute = computations
    cached.figures("programme", "officer", "2026", compute, now=1000.0)
    cache.set(CHANGED_KEY, 1005.0)
    # Within the fresh window the shared figures stand …
    assert cached.figures("programme", "officer", "2026", compute, now=1010.0)[0] == {"n": 1}
    # … after it, a change since they were computed recomputes them.
    after = 1000.0 + cached.FRESH_SECONDS
    assert cached.figures("programme", "officer", "2026", compute, now=after)[0] == {"n": 2}


@pytest.mark.django_db(transaction=True)
def test_every_audited_state_change_marks_the_data_changed(personas):
    from marketplace import actions
    from tests.factories import FirmFactory

    cache.delete(CHANGED_KEY)
    firm = FirmFactory(incubator=personas.incubator, verification="pending")
    actions.firm_verify(firm=firm, by=personas.incubator_manager)
    assert cache.get(CHANGED_KEY, 0) > 0
