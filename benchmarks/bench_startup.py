"""Start-up and the test suite's time: what every change and every command pays first.

Cases:
- `manage.py check`, a fresh process each time, wall clock. Target 1.0 s. Baseline:
  `django.setup()` with Django's own apps only (benchmarks/floor_settings.py), the floor
  any Django process of this size stands on.
- `manage.py allocate --year Y --json` on 2,000 open requests × 300 agencies, end to end in
  a fresh process (start-up, load, scoring, solving, the stored preview). Target 3.0 s.
  Baseline: `manage.py check` on the same database.
- `make test` on the embedded profile: the wall time the last run recorded
  (var/test-timings.json, written by tests/conftest.py), beside the time of the same suite
  before the restructuring (#15), measured on this machine at the start of that work.
  Target 150 s. Nothing is measured here when no run was recorded.

--quick: 400 requests × 60 agencies for allocate, fewer repeats.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_allocation import (
    AGENCIES,
    QUICK_AGENCIES,
    QUICK_REQUESTS,
    REQUESTS,
    seed_cohort,
)
from benchmarks.harness import BASE_DIR, Row, Timing

TARGET_CHECK = 1.0
TARGET_ALLOCATE = 3.0
TARGET_SUITE = 150.0
# `make test` (embedded profile, 1,794 tests) on main before #15 (d6da32b), this machine,
# 2026-12-07: pytest reported 344 s; 351 s with the set-up steps of make.
SUITE_BEFORE = 344.0
TIMINGS = BASE_DIR / "var" / "test-timings.json"
# `manage.py check` before #15 (the chat's dictionaries loaded at import), same machine.
CHECK_BEFORE = 2.4
# `manage.py allocate --year Y --json` at 2,000 × 300 before #15, as the issue gives it.
ALLOCATE_BEFORE = "6–9 s"


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _wall(argv, *, env, repeat):
    """Wall times of `repeat` fresh runs, and the median CPU seconds one run used (on a
    shared machine the wall time waits for the neighbours; the CPU time does not)."""
    # One unmeasured run first: it writes the bytecode and warms the file cache.
    subprocess.run(argv, cwd=BASE_DIR, env=env, check=True, capture_output=True)
    samples, cpu = [], []
    for _ in range(repeat):
        started, cpu_before = time.perf_counter(), _children_cpu()
        subprocess.run(argv, cwd=BASE_DIR, env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
        cpu.append(_children_cpu() - cpu_before)
    return Timing(samples), statistics.median(cpu)


def _env(**extra):
    # As deployed, with bytecode cached: PYTHONDONTWRITEBYTECODE (set on some development
    # machines) would have every run compile some 600 modules again, half a second.
    dropped = {"DJANGO_SETTINGS_MODULE", "PYTHONDONTWRITEBYTECODE"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(extra)
    return env


def run(ctx):
    # The machine is shared: the figures mean little without its load beside them.
    print(f"  load average at the start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    quick = ctx.options.quick
    repeat = ctx.repeat(3 if quick else 5)
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    rows = []

    with ctx.fresh_database() as path:
        env = _env(SQLITE_PATH=str(path), DATABASE_URL="")
        check, check_cpu = _wall([*manage, "check"], env=env, repeat=repeat)
        floor, floor_cpu = _wall(
            [sys.executable, "-c", "import django; django.setup()"],
            env=_env(DJANGO_SETTINGS_MODULE="benchmarks.floor_settings"),
            repeat=repeat,
        )
        rows.append(
            Row(
                benchmark="startup",
                case="manage.py check (a new process)",
                timing=check,
                baseline_case="django.setup(), Django's own apps only",
                baseline=floor,
                target=TARGET_CHECK,
                note=(
                    f"before #15: {CHECK_BEFORE:.1f} s; CPU {check_cpu:.2f} s a run "
                    f"(baseline {floor_cpu:.2f} s)"
                ),
            )
        )

        requests, agencies = (QUICK_REQUESTS, QUICK_AGENCIES) if quick else (REQUESTS, AGENCIES)
        year, _officer = seed_cohort(requests=requests, agencies=agencies)
        from django.db import connections

        connections.close_all()  # the subprocess must see every row
        allocate, allocate_cpu = _wall(
            [*manage, "allocate", "--year", str(year.year), "--json"], env=env, repeat=repeat
        )
        scale = requests / REQUESTS
        rows.append(
            Row(
                benchmark="startup",
                case=f"manage.py allocate --json, {requests} requests × {agencies} agencies",
                timing=allocate,
                baseline_case="manage.py check, same database",
                baseline=check,
                target=TARGET_ALLOCATE if scale == 1 else None,
                note=(f"before #15: {ALLOCATE_BEFORE}" if scale == 1 else "quick size: no target")
                + f"; CPU {allocate_cpu:.2f} s a run",
            )
        )

    if TIMINGS.exists():
        recorded = json.loads(TIMINGS.read_text())
        rows.append(
            Row(
                benchmark="startup",
                case=(
                    f"make test, {recorded['profile']} profile, {recorded['tests']} tests "
                    f"(last run, {recorded['finished'][:16]})"
                ),
                timing=Timing([recorded["seconds"]]),
                baseline_case="the same suite before #15 (1,794 tests)",
                baseline=Timing([SUITE_BEFORE]),
                target=TARGET_SUITE if recorded["profile"] == "embedded" else None,
                note=(
                    f"{recorded['workers']} workers, load average "
                    f"{'/'.join(map(str, recorded.get('load_average', ['?'])))} at the end, "
                    f"{recorded.get('cpu_seconds', '?')} CPU seconds; recorded by tests/conftest.py"
                ),
            )
        )
    return rows


if __name__ == "__main__":  # pragma: no cover
    print(Path(__file__).name, "runs under `python -m benchmarks --only startup`")
