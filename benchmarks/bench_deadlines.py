"""Deadlines of 100,000 IP assets, computed by the pure rules in custody.deadlines.

A reproducible mixed portfolio: 60 % patents (invention, utility model and
design, filed 2004–2026, granted up to five years later, most in force), 30 %
trademarks and 10 % software copyrights.

Cases:
- all deadlines: custody.deadlines.deadlines_for_all as of one day, with the
  working-day caches cleared before every run, so each run pays for its
  holiday look-ups once; one untimed run first builds the fallback calendars
  of the undeclared years, a once-per-process cost. Target 5 s. Baseline: the expiry arithmetic alone
  for the same assets (no holiday look-ups, no grace schedules), the floor any
  rule engine over these dates stands on.

--quick: 10,000 assets, target 1 s: the working-day look-ups cost about the
same for any portfolio over the same range of dates, so the target does not
shrink with the asset count.
"""

import datetime
import random

from benchmarks.harness import Row
from core import workdays
from custody import deadlines

ASSETS, QUICK_ASSETS = 100_000, 10_000
TARGET, QUICK_TARGET = 5.0, 1.0
SEED = 2026
TODAY = datetime.date(2026, 11, 28)
FIRST_FILING = datetime.date(2004, 1, 1)
PATENT_TYPES = (deadlines.INVENTION, deadlines.UTILITY_MODEL, deadlines.DESIGN)


def portfolio(count, seed=SEED):
    rng = random.Random(seed)
    span = (TODAY - FIRST_FILING).days
    assets = []
    for ref in range(count):
        filed = FIRST_FILING + datetime.timedelta(days=rng.randrange(span))
        roll = rng.random()
        if roll < 0.6:
            granted = filed + datetime.timedelta(days=rng.randrange(5 * 365))
            assets.append(
                deadlines.AssetFacts(
                    ref=ref,
                    kind=deadlines.PATENT,
                    in_force=rng.random() < 0.85,
                    patent_type=rng.choice(PATENT_TYPES),
                    filing_date=filed,
                    grant_date=granted if granted <= TODAY else None,
                )
            )
        elif roll < 0.9:
            assets.append(
                deadlines.AssetFacts(ref=ref, kind=deadlines.TRADEMARK, registration_date=filed)
            )
        else:
            assets.append(
                deadlines.AssetFacts(
                    ref=ref, kind=deadlines.SOFTWARE_COPYRIGHT, registration_date=filed
                )
            )
    return assets


def _expiries(assets):
    for facts in assets:
        if facts.kind == deadlines.PATENT:
            deadlines.patent_expiry(facts.patent_type, facts.filing_date)
        elif facts.kind == deadlines.TRADEMARK:
            deadlines.trademark_expiry(facts.registration_date)


def run(ctx):
    count = QUICK_ASSETS if ctx.options.quick else ASSETS
    assets = portfolio(count)
    produced = []

    def compute():
        deadlines.working_day.cache_clear()
        workdays._is_workday.cache_clear()
        produced.append(len(deadlines.deadlines_for_all(assets, TODAY)))

    # Untimed: builds the fallback calendars of the undeclared years once per process.
    compute()
    repeat = ctx.repeat(3 if ctx.options.quick else 5)
    timing = ctx.measure(compute, repeat=repeat)
    baseline = ctx.measure(lambda: _expiries(assets), repeat=repeat)
    return [
        Row(
            benchmark="deadlines",
            case=f"all deadlines, {count:,} assets",
            timing=timing,
            baseline_case="expiry arithmetic only",
            baseline=baseline,
            target=QUICK_TARGET if ctx.options.quick else TARGET,
            note=f"{produced[-1]:,} deadlines per run as of {TODAY:%Y-%m-%d}; working-day caches cleared each run",
        )
    ]
