"""The matching and allocation benchmarks still run, at a size that takes a second.

The harness normally copies a migrated template database for each case; here
the context stays on pytest's test database, which is fresh for each test.
"""

import datetime
import random
from contextlib import contextmanager

import pytest

from benchmarks import bench_allocation, bench_import, bench_matching, harness
from marketplace.models import AllocationRun, CustodyRequest


class _InPlaceContext(harness.Context):
    @contextmanager
    def fresh_database(self):
        yield None


@pytest.fixture
def ctx(tmp_path):
    return _InPlaceContext(options=harness.Options(quick=True), workdir=tmp_path, template=None)


def test_matching_benchmark_ranks_every_request_beside_its_baseline(ctx):
    [row] = bench_matching.measure(ctx, requests=4, agencies=30)

    assert row.benchmark == "matching" and "30 agencies" in row.case
    assert len(row.timing.samples) == len(row.baseline.samples) == 4
    assert row.target == bench_matching.TARGET_P95
    assert "of 30 agencies eligible" in row.note


def test_matching_benchmark_data_is_deterministic():
    today = datetime.date(2026, 6, 1)
    first = bench_matching.synthetic_agencies(random.Random(1), 5, today=today)
    second = bench_matching.synthetic_agencies(random.Random(1), 5, today=today)
    assert first == second
    assert all(agency.terms for agency in first)


@pytest.mark.django_db
def test_allocation_benchmark_previews_from_the_database_and_solves(ctx):
    rows = bench_allocation.measure(
        ctx, requests=30, agencies=8, repeat=1, solver_repeat=2, scale=0.5
    )

    preview, solver = rows
    assert "30 requests × 8 agencies" in preview.case
    assert preview.target == bench_allocation.TARGET_END_TO_END * 0.5
    assert solver.target == bench_allocation.TARGET_SOLVER * 0.5
    assert len(solver.timing.samples) == len(solver.baseline.samples) == 2
    assert "objective" in preview.note and "greedy" in solver.note
    assert CustodyRequest.objects.filter(status=CustodyRequest.Status.OPEN).count() == 30
    # One warm-up preview and one timed run, each stored like the officer's.
    assert AllocationRun.objects.count() == 2


@pytest.mark.django_db
def test_import_benchmark_reads_the_refusal_the_api_gives():
    """The benchmark posts as a firm member and reads the reason from the error envelope."""
    member = bench_import.seeded_member()

    response = bench_import.upload(member, "bomb.xlsx", bench_import.xlsx_bomb(rows=20_000))

    assert "zip bomb" in bench_import.refusal(response)
    with pytest.raises(RuntimeError, match="not refused"):
        bench_import.refusal(
            bench_import.upload(member, "portfolio.xlsx", bench_import.normal_xlsx(rows=3))
        )
