"""The dashboards' arithmetic on plain data: shares, medians, roll-ups, the burn-rate forecast
and the league table. No database here, so every rule is tested on plain values.
"""

import datetime
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from core.exports import half_up

ZERO = Decimal("0.00")


CENT = Decimal("0.01")


# Delivery is "slipping" when the share delivered trails the share of time gone by this much.
SLIP_MARGIN = 0.25


# --- Pure helpers -------------------------------------------------------------------


def ratio(part, whole):
    """part / whole as a float, or None when there is nothing to divide by."""
    if not whole:
        return None
    return float(part) / float(whole)


def median(values):
    """The median of a few numbers (the middle one or two rows the database picked)."""
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


FUNNEL = (
    "firms",
    "verified",
    "eligible",
    "requested",
    "offered",
    "active",
    "covered",
    "no_request",
)


def finish(row):
    row["coverage"] = ratio(row["active"], row["eligible"])
    row["coverage_percent"] = (
        float(half_up(row["coverage"] * 100, 1)) if row["coverage"] is not None else None
    )
    return row


DIMENSIONS = ("district", "park", "incubator", "industry")


# The grid columns each breakdown needs (a park is reached through the incubator).
GRID_COLUMNS = {
    "district": "district",
    "park": "incubator_id",
    "incubator": "incubator_id",
    "industry": "industry",
}


def grid_columns(dimensions):
    """The firm columns to group the grid by for `dimensions`, in a stable order."""
    wanted = {GRID_COLUMNS[dimension] for dimension in dimensions}
    return [column for column in ("district", "incubator_id", "industry") if column in wanted]


def sum_into(buckets, key, counts):
    bucket = buckets.get(key)
    if bucket is None:
        buckets[key] = list(counts)
    else:
        for i, n in enumerate(counts):
            bucket[i] += n


def roll_up(grid, *, incubators, labels, dimensions=DIMENSIONS):
    """Totals and breakdowns from the grid of firm counts.

    grid: rows with the FUNNEL counts and the columns `dimensions` need (district,
    incubator_id, industry; see GRID_COLUMNS). incubators: {id: (name, park_id)};
    labels: {"district": {code: label}, "industry": {...}, "park": {id: name}}.
    Returns {"total": row, and a list per dimension}; each breakdown row has "key" and
    "label", sorted by label, with coverage = active / eligible.
    """
    # Sum by each grid column first (a city-wide grid has a row for nearly every firm),
    # then label the few sums; parks are sums of their incubators.
    total = [0] * len(FUNNEL)
    by_column = {column: {} for column in grid_columns(dimensions)}
    for row in grid:
        counts = [row[name] for name in FUNNEL]
        for i, n in enumerate(counts):
            total[i] += n
        for column, buckets in by_column.items():
            sum_into(buckets, row[column], counts)
    labelled = {}
    for dimension in dimensions:
        sums = by_column[GRID_COLUMNS[dimension]]
        if dimension == "incubator":
            labelled[dimension] = {
                key: (incubators.get(key, ("?", None))[0], counts) for key, counts in sums.items()
            }
        elif dimension == "park":
            parks = {}
            for incubator_id, counts in sums.items():
                sum_into(parks, incubators.get(incubator_id, ("?", None))[1], counts)
            labelled[dimension] = {
                key: (labels["park"].get(key, "") if key else "", counts)
                for key, counts in parks.items()
            }
        else:
            names = labels[dimension]
            labelled[dimension] = {
                key: (names.get(key, key), counts) for key, counts in sums.items()
            }
    result = {"total": finish(dict(zip(FUNNEL, total, strict=True)))}
    for dimension, buckets in labelled.items():
        result[dimension] = sorted(
            (
                finish({"key": key, "label": label, **dict(zip(FUNNEL, counts, strict=True))})
                for key, (label, counts) in buckets.items()
            ),
            key=lambda bucket: (bucket["key"] is None, str(bucket["label"])),
        )
    return result


def delivery_slipping(*, delivered_share, starts_on, ends_on, today, margin=SLIP_MARGIN):
    """True when the share delivered trails the share of the engagement's time gone by."""
    if delivered_share is None or ends_on <= starts_on:
        return False
    elapsed = (min(max(today, starts_on), ends_on) - starts_on).days
    time_share = elapsed / (ends_on - starts_on).days
    return delivered_share + margin < time_share


@dataclass(frozen=True)
class BurnForecast:
    budget: Decimal
    reserved: Decimal
    settled: Decimal
    committed: Decimal
    left: Decimal
    daily_rate: Decimal
    forecast_year_end: Decimal
    forecast_left: Decimal
    exhausted_on: datetime.date | None
    # (first day of month, cumulative committed or None, forecast cumulative or None)
    months: list = field(default_factory=list)


def to_cents(amount):
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def burn_forecast(*, budget, reserved, settled, monthly, start, end, today):
    """Budget reserved, settled and left, and a straight-line forecast to `end`.

    monthly: {first day of month: amount committed in that month}. The rate is what
    was committed so far over the days gone by since `start` (today counted); the
    forecast carries it on to `end`. exhausted_on is the day the forecast reaches the
    budget, if it does by `end` (today when it already has).
    """
    committed = reserved + settled
    left = budget - committed
    today = min(max(today, start), end)
    elapsed = (today - start).days + 1
    remaining = (end - today).days
    rate = committed / elapsed if elapsed > 0 else ZERO
    forecast = committed + rate * remaining
    exhausted_on = None
    if committed >= budget and budget > 0:
        exhausted_on = today
    elif rate > 0 and forecast >= budget:
        exhausted_on = today + datetime.timedelta(days=math.ceil((budget - committed) / rate))
    months = []
    running = ZERO
    month = start.replace(day=1)
    current = today.replace(day=1)
    while month <= end:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        actual = forecast_value = None
        if month <= current:
            running += monthly.get(month, ZERO)
            actual = to_cents(running)
        if month >= current:
            last_day = min(following - datetime.timedelta(days=1), end)
            forecast_value = to_cents(committed + rate * (last_day - today).days)
            if month == current:
                forecast_value = to_cents(committed)
        months.append((month, actual, forecast_value))
        month = following
    return BurnForecast(
        budget=to_cents(budget),
        reserved=to_cents(reserved),
        settled=to_cents(settled),
        committed=to_cents(committed),
        left=to_cents(left),
        daily_rate=to_cents(rate),
        forecast_year_end=to_cents(forecast),
        forecast_left=to_cents(budget - forecast),
        exhausted_on=exhausted_on,
        months=months,
    )


def cumulative(points, *, start_total=0):
    """[(month, new)] sorted by month into [(month, running total)]."""
    total = start_total
    out = []
    for month, new in sorted(points):
        total += new
        out.append((month, total))
    return out


LEAGUE_PARTS = ("acceptance_rate", "completeness", "rating_share", "deadline_reliability")


def league_score(card):
    """The mean of the parts an agency has figures for (each 0–1); None without any."""
    parts = [card[name] for name in LEAGUE_PARTS if card.get(name) is not None]
    return sum(parts) / len(parts) if parts else None


def league_table(cards):
    """Scorecards ranked by league score (those without a score last), then by name."""
    for card in cards:
        card["rating_share"] = card["rating"] / 5 if card.get("rating") is not None else None
        decided = card["deadlines_missed"] + card["deadlines_done"]
        card["deadline_reliability"] = 1 - card["deadlines_missed"] / decided if decided else None
        card["score"] = league_score(card)
    ranked = sorted(cards, key=lambda c: (c["score"] is None, -(c["score"] or 0), c["name"]))
    for rank, card in enumerate(ranked, start=1):
        card["rank"] = rank
    return ranked
