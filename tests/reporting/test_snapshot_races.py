"""Concurrent first views of one dashboard on PostgreSQL: the figures are computed once."""

import time

from marketplace import selectors
from reporting import snapshots
from reporting.filters import Filters
from reporting.models import DashboardSnapshot
from tests.races import RACE_MARKS, postgres_only, race  # noqa: F401 (autouse fixture)
from tests.reporting.world import build_world

pytestmark = RACE_MARKS


def test_concurrent_first_views_compute_once_and_read_what_it_stored(personas, monkeypatch):
    world = build_world(personas)
    made = []
    real = snapshots.compute

    def slow_compute(*args, **kwargs):
        made.append(1)
        time.sleep(0.5)  # the others arrive while the first computes
        return real(*args, **kwargs)

    monkeypatch.setattr(snapshots, "compute", slow_compute)
    officer = personas.officer
    incubators = list(selectors.incubators_visible_to(officer).order_by("name"))

    def view():
        figures, computed_at = snapshots.figures(
            snapshots.Kind.PROGRAMME, officer, Filters(year=world.year), incubators=incubators
        )
        return figures["coverage"]["total"]["firms"], computed_at

    results = race([view] * 4)

    assert len(made) == 1
    assert len(set(results)) == 1 and results[0][0] == 7
    assert DashboardSnapshot.objects.count() == 1
    # The job on two workers at once: one refreshes, the other skips it.
    DashboardSnapshot.objects.update(computed_at=results[0][1] - snapshots.MAX_AGE * 2)
    outcomes = race([snapshots.refresh_stale] * 2)
    assert sorted(o["refreshed"] for o in outcomes) == [0, 1]
    assert len(made) == 2
