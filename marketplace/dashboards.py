"""Figures of the dashboards: incubator coverage, programme progress, agency scorecards.

Every figure is aggregated in the database in a fixed number of queries, whatever the
number of firms, engagements or service records; what is left to Python works on a few
grouped rows (roll-ups by district, park, incubator and industry; the burn-rate
forecast; the league table) and is pure, so it is tested on plain data.

Reads start from the permission-scoped selectors, so a manager's figures can only ever
count their own incubator's firms, and an agency's scorecard only its own offers.
"""

import datetime
import itertools
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Least, RowNumber, TruncMonth
from django.utils import timezone

from chat.models import Conversation, Message
from custody.models import Deadline, ServiceRecord, Settlement
from marketplace import selectors
from marketplace.choices import RevenueBand
from marketplace.eligibility import ELIGIBLE_LEVELS
from marketplace.models import (
    Agency,
    CustodyRequest,
    Engagement,
    EngagementItem,
    Firm,
    Offer,
    ProgrammeYear,
    User,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# Engagements that cover a firm: a transferred one is followed by its successor.
COVERING = (Engagement.Status.ACTIVE, Engagement.Status.COMPLETED, Engagement.Status.TRANSFERRED)
# A deadline still open this many days before it falls due is "at risk".
AT_RISK_DAYS = 30
# Lists on the dashboards show the first rows; the figures above them count all.
LIST_LIMIT = 50
# Delivery is "slipping" when the share delivered trails the share of time gone by this much.
SLIP_MARGIN = 0.25


# --- Filters ------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What a dashboard is narrowed to. Empty values mean "all"."""

    year: ProgrammeYear
    district: str = ""
    park_id: int | None = None
    incubator_id: int | None = None
    industry: str = ""

    def firm_q(self, prefix=""):
        """The filters as a condition on firms reached through `prefix` (e.g. "firm__")."""
        q = Q()
        if self.district:
            q &= Q(**{f"{prefix}district": self.district})
        if self.park_id:
            q &= Q(**{f"{prefix}incubator__park_id": self.park_id})
        if self.incubator_id:
            q &= Q(**{f"{prefix}incubator_id": self.incubator_id})
        if self.industry:
            q &= Q(**{f"{prefix}industry": self.industry})
        return q

    def firm_list_params(self):
        """The filters as the firm list's query parameters (the lists behind the figures)."""
        params = {
            "year": self.year.year,
            "district": self.district,
            "park": self.park_id,
            "incubator": self.incubator_id,
            "industry": self.industry,
        }
        return {key: value for key, value in params.items() if value not in (None, "")}


def year_window(year):
    """The calendar year of a programme year as aware datetimes [start, end)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year.year, 1, 1, tzinfo=tz)
    return start, datetime.datetime(year.year + 1, 1, 1, tzinfo=tz)


def programme_years():
    """Every programme year, newest first (one query; the filter form's choices)."""
    return list(ProgrammeYear.objects.order_by("-year"))


def default_year(years, today=None):
    """The year open today, else the latest that has opened, else the newest."""
    today = today or timezone.localdate()
    for year in years:
        if year.opens_on <= today <= year.closes_on:
            return year
    started = [year for year in years if year.opens_on <= today]
    return started[0] if started else (years[0] if years else None)


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


def _finish(row):
    row["coverage"] = ratio(row["active"], row["eligible"])
    row["coverage_percent"] = (
        round(row["coverage"] * 100, 1) if row["coverage"] is not None else None
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


def _sum_into(buckets, key, counts):
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
            _sum_into(buckets, row[column], counts)
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
                _sum_into(parks, incubators.get(incubator_id, ("?", None))[1], counts)
            labelled[dimension] = {
                key: (labels["park"].get(key, "") if key else "", counts)
                for key, counts in parks.items()
            }
        else:
            names = labels[dimension]
            labelled[dimension] = {
                key: (names.get(key, key), counts) for key, counts in sums.items()
            }
    result = {"total": _finish(dict(zip(FUNNEL, total, strict=True)))}
    for dimension, buckets in labelled.items():
        result[dimension] = sorted(
            (
                _finish({"key": key, "label": label, **dict(zip(FUNNEL, counts, strict=True))})
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


def _q(amount):
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
            actual = _q(running)
        if month >= current:
            last_day = min(following - datetime.timedelta(days=1), end)
            forecast_value = _q(committed + rate * (last_day - today).days)
            if month == current:
                forecast_value = _q(committed)
        months.append((month, actual, forecast_value))
        month = following
    return BurnForecast(
        budget=_q(budget),
        reserved=_q(reserved),
        settled=_q(settled),
        committed=_q(committed),
        left=_q(left),
        daily_rate=_q(rate),
        forecast_year_end=_q(forecast),
        forecast_left=_q(budget - forecast),
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


# --- Queries --------------------------------------------------------------------------


def _eligible_q(year):
    """Firm-level eligibility for `year` (the rules a firm carries, not its requests)."""
    top = RevenueBand.rank(year.max_revenue_band)
    bands = [band for band in RevenueBand.values if RevenueBand.rank(band) <= top]
    return Q(
        verification=Firm.Verification.VERIFIED,
        incubator__level__in=ELIGIBLE_LEVELS,
        headcount__lte=year.max_headcount,
        revenue_band__in=bands,
    )


def _live_requests(year):
    return CustodyRequest.objects.filter(programme_year=year).exclude(
        status=CustodyRequest.Status.WITHDRAWN
    )


# Each status below is a set of firm ids the database works out once (an uncorrelated
# IN: hashed by PostgreSQL, materialised by SQLite), not a subquery per firm. Per firm,
# SQLite without statistics probed the engagements by programme year and read every
# engagement of the year once per firm; PostgreSQL's estimate for thousands of subplan
# runs switched its JIT on, which cost more than the query.


def _requested(year):
    """Firms with a live request for `year` (at most one each)."""
    return Q(pk__in=_live_requests(year).values("firm_id"))


def _offered(year):
    """Firms whose live request for `year` waits for an agency's answer."""
    return Q(
        pk__in=_live_requests(year).filter(status=CustodyRequest.Status.OFFERED).values("firm_id")
    )


def _active(year):
    return Q(
        pk__in=Engagement.objects.filter(
            programme_year=year, status=Engagement.Status.ACTIVE
        ).values("firm_id")
    )


def _covered(year):
    """Covered by the end of `year`: cumulatively, in this or an earlier programme year."""
    return Q(
        pk__in=Engagement.objects.filter(
            programme_year__year__lte=year.year, status__in=COVERING
        ).values("firm_id")
    )


# Where a firm stands in a programme year, as the coverage figures count it; the firm
# list filters by the same conditions, so a figure and the list behind it agree.
STAGES = ("verified", "eligible", "requested", "offered", "active", "covered", "no_request")


def firm_stage_q(stage, year):
    """The firms counted under `stage` (one of STAGES) for `year`."""
    if stage == "verified":
        return Q(verification=Firm.Verification.VERIFIED)
    if stage == "eligible":
        return _eligible_q(year)
    if stage == "requested":
        return _requested(year)
    if stage == "offered":
        return _offered(year)
    if stage == "active":
        return _active(year)
    if stage == "covered":
        return _covered(year)
    if stage == "no_request":
        return ~_requested(year) & _eligible_q(year)
    raise ValueError(f"unknown stage {stage!r}")


def firm_grid(firms, year, columns=("district", "incubator_id", "industry")):
    """One query: firm counts grouped by `columns` (of district, incubator, industry)."""
    return list(
        firms.order_by()
        .values(*columns)
        .annotate(
            firms=Count("pk"),
            **{stage: Count("pk", filter=firm_stage_q(stage, year)) for stage in STAGES},
        )
    )


def coverage_by_month(firms, year):
    """One query: [(first day of month, firms first covered that month)] up to `year`'s end.

    The covering engagements of `firms` are grouped by firm once (their first
    engagement's month, in local time), then counted by month; a subquery per firm
    looked up each firm's engagements in turn.
    """
    _, end = year_window(year)
    firsts = (
        Engagement.objects.filter(firm__in=firms.values("pk"), status__in=COVERING)
        .order_by()
        .values("firm_id")
        .annotate(first=Min("created_at"))
        .filter(first__lt=end)
        .annotate(month=TruncMonth("first"))
        .values("month")
    )
    try:
        sql, params = _compiled(firsts)
    except EmptyResultSet:  # a user who sees no firm
        return []
    rows = _fetch(
        firsts.db,
        f"SELECT month, COUNT(*) FROM ({sql}) firsts GROUP BY month ORDER BY month",  # noqa: S608
        params,
    )
    return [(_raw_date(month), n) for month, n in rows]


def _raw_date(value):
    """A date as a raw cursor reads it: a date, a naive local datetime (PostgreSQL's
    TruncMonth) or ISO text (SQLite)."""
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime.datetime) else value


def _median_rows(qs, *, value, group=None):
    """Median of `value` per `group`, in the database: only the middle rows come back.

    Returns {group value: median} ({None: median} without a group). Rows are numbered within their group by value,
    and only the one or two middle rows of each group are fetched.
    """
    partition = [F(group)] if group else None
    ranked = qs.order_by().annotate(
        _v=value,
        _rn=Window(RowNumber(), partition_by=partition, order_by=value.asc()),
        _n=Window(Count("pk"), partition_by=partition),
    )
    # 2·rn − n is 1 for the middle row of an odd group, 0 and 2 for the two of an even one.
    middle = ranked.annotate(
        _d=ExpressionWrapper(F("_rn") * 2 - F("_n"), output_field=IntegerField())
    ).filter(_d__gte=0, _d__lte=2)
    middles = {}
    rows = (
        middle.values_list(group, "_v")
        if group
        else ((None, v) for v in middle.values_list("_v", flat=True))
    )
    for key, v in rows:
        middles.setdefault(key, []).append(v)
    return {key: median(values) for key, values in middles.items()}


class SecondsBetween(Func):
    """Seconds from the second datetime to the first, as a float, computed natively.

    A DurationField difference is a Python function called per row on SQLite; a median
    over thousands of rows sorts by it. SQLite keeps time to the millisecond, so
    callers round to that.
    """

    arity = 2
    arg_joiner = " - "
    template = "CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision)"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def _seconds_median(seconds):
    return round(seconds, 3) if seconds is not None else None


class DaysBetween(Func):
    """Whole days from the second date to the first, computed natively (julianday on
    SQLite; a date difference is already a number of days on PostgreSQL)."""

    arity = 2
    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def _engagement_sums(engagements):
    """SQL and parameters: per engagement of `engagements` that has items, the columns
    engagement_row, quota, delivered (confirmed, capped at each item's quota) and
    pending (awaiting the firm).

    Items are joined with their records once and grouped by item, since the cap
    applies to each item's sum; the outer level sums the items of each engagement.
    The ORM cannot aggregate over an aggregate in one statement, so that level is
    written here over the compiled inner query. (A subquery per item and status read
    the records 2 × 6,000 times for an officer, and its cost estimate switched
    PostgreSQL's JIT on.) Raises EmptyResultSet when `engagements` is none().
    """
    records = "service_records__"

    def quantity(status):
        return Coalesce(
            Sum(f"{records}quantity", filter=Q(**{f"{records}status": status})),
            Value(0),
            output_field=IntegerField(),
        )

    items = (
        EngagementItem.objects.filter(engagement__in=engagements.values("pk"))
        .order_by()
        .values(item_row=F("pk"), engagement_row=F("engagement_id"), item_quota=F("quota"))
        .annotate(
            item_delivered=Least(
                quantity(ServiceRecord.Status.CONFIRMED), F("quota"), output_field=IntegerField()
            ),
            item_pending=quantity(ServiceRecord.Status.PENDING),
        )
    )
    sql, params = _compiled(items)
    return (
        "SELECT engagement_row, SUM(item_quota) AS quota, SUM(item_delivered) AS delivered,"  # noqa: S608
        f" SUM(item_pending) AS pending FROM ({sql}) items GROUP BY engagement_row",
        params,
    )


def _compiled(qs):
    """SQL and parameters of `qs`; EmptyResultSet when it can match nothing (none())."""
    return qs.query.get_compiler(connection=connections[qs.db]).as_sql()


def _fetch(db, sql, params):
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _labels(incubators):
    from marketplace.choices import District, Industry

    parks = {inc.park_id: inc.park.display_name for inc in incubators if inc.park_id}
    return {
        "district": dict(District.choices),
        "industry": dict(Industry.choices),
        "park": parks,
    }


def _coverage(user, filters, incubators, dimensions=DIMENSIONS):
    """The firms `user` sees under `filters`, and their coverage totals and breakdowns.

    The grid is grouped only by the columns `dimensions` need: by all three it has a
    row for nearly every firm of a city-wide dashboard.
    """
    firms = selectors.firms_visible_to(user).filter(filters.firm_q())
    grid = firm_grid(firms, filters.year, grid_columns(dimensions))
    index = {inc.pk: (inc.display_name, inc.park_id) for inc in incubators}
    coverage = roll_up(grid, incubators=index, labels=_labels(incubators), dimensions=dimensions)
    return firms, coverage


def _engagements(user, filters):
    return selectors.engagements_visible_to(user).filter(
        filters.firm_q("firm__"), programme_year=filters.year
    )


# The keys of a delivery row: the engagement's fields, then the three sums.
DELIVERY_KEYS = (
    "engagement_id",
    "firm_id",
    "firm",
    "agency_id",
    "agency",
    "status",
    "starts_on",
    "ends_on",
    "quota",
    "delivered",
    "pending",
)
# ratio() and delivery_slipping() in SQL; NULLIF, as SQL may divide before it checks.
_SHARE = "CAST(sums.delivered AS DOUBLE PRECISION) / NULLIF(sums.quota, 0)"
_SLIPPING = (
    "CASE WHEN e.state = %s AND e.duration > 0 AND sums.quota > 0 AND"
    f" {_SHARE} + %s < CAST(e.elapsed AS DOUBLE PRECISION) / NULLIF(e.duration, 0)"
    " THEN 1 ELSE 0 END"
)


def delivery_by_engagement(user, filters, today, limit=LIST_LIMIT):
    """One query: per engagement of the year, quota, confirmed (capped) and pending
    quantity; the slipping and least delivered first, then by firm.

    The database sorts and cuts the list (a city-wide page cannot list thousands):
    the sums per engagement are joined to the engagements, whose days gone by are
    worked out once each.
    """
    engagements = _engagements(user, filters).filter(status__in=COVERING)
    starts, ends = F("starts_on"), F("ends_on")
    # min(max(today, starts_on), ends_on) - starts_on, as delivery_slipping() has it.
    elapsed = Case(
        When(starts_on__gt=today, then=Value(0)),
        When(ends_on__lt=today, then=DaysBetween(ends, starts)),
        default=DaysBetween(Value(today, output_field=DateField()), starts),
        output_field=IntegerField(),
    )
    try:
        each, each_params = _compiled(
            engagements.order_by().values(
                engagement_row=F("pk"),
                firm_row=F("firm_id"),
                firm_name=F("firm__name"),
                agency_row=F("agency_id"),
                agency_name=F("agency__name"),
                state=F("status"),
                starts=starts,
                ends=ends,
                elapsed=elapsed,
                duration=DaysBetween(ends, starts),
            )
        )
        sums, sums_params = _engagement_sums(engagements)
    except EmptyResultSet:  # a user who sees no engagement
        return []
    sql = (
        "SELECT e.engagement_row, e.firm_row, e.firm_name, e.agency_row, e.agency_name, e.state,"  # noqa: S608
        " e.starts, e.ends, sums.quota, sums.delivered, sums.pending"
        f" FROM ({each}) e INNER JOIN ({sums}) sums ON sums.engagement_row = e.engagement_row"
        f" ORDER BY {_SLIPPING} DESC,"
        f" COALESCE({_SHARE}, 0), e.firm_name, e.engagement_row"
    )
    params = (*each_params, *sums_params, Engagement.Status.ACTIVE, SLIP_MARGIN)
    if limit is not None:
        sql += " LIMIT %s"
        params += (limit,)
    delivery = []
    for values in _fetch(engagements.db, sql, params):
        row = dict(zip(DELIVERY_KEYS, values, strict=True))
        for key in ("starts_on", "ends_on"):
            row[key] = _raw_date(row[key])
        for key in ("quota", "delivered", "pending"):
            row[key] = int(row[key])  # PostgreSQL sums integers as numeric
        row["completeness"] = share = ratio(row["delivered"], row["quota"])
        row["slipping"] = row["status"] == Engagement.Status.ACTIVE and delivery_slipping(
            delivered_share=share, starts_on=row["starts_on"], ends_on=row["ends_on"], today=today
        )
        delivery.append(row)
    return delivery


def satisfaction(user, filters):
    """One query: settlement ratings of the year's engagements, mean and spread 1–5."""
    settlements = Settlement.objects.filter(engagement__in=_engagements(user, filters).values("pk"))
    figures = settlements.aggregate(
        mean=Avg("rating"),
        count=Count("pk"),
        **{f"stars_{n}": Count("pk", filter=Q(rating=n)) for n in range(1, 6)},
    )
    return figures


def deadline_figures(user, filters, today):
    """One query: open deadlines at risk (due within AT_RISK_DAYS or in grace), and missed."""
    deadlines = Deadline.objects.filter(
        firm__in=selectors.firms_visible_to(user).filter(filters.firm_q()).values("pk")
    )
    start, end = year_window(filters.year)
    return deadlines.aggregate(
        at_risk=Count("pk", filter=_at_risk_q(today)),
        overdue=Count("pk", filter=_at_risk_q(today) & Q(due_on__lt=today)),
        missed=Count("pk", filter=Q(missed_at__gte=start, missed_at__lt=end)),
        done=Count("pk", filter=Q(done_at__gte=start, done_at__lt=end)),
    )


def _at_risk_q(today):
    horizon = today + datetime.timedelta(days=AT_RISK_DAYS)
    return Q(done_at__isnull=True, missed_at__isnull=True, due_on__lte=horizon) & (
        Q(due_on__gte=today) | Q(grace_ends_on__gte=today)
    )


class DeadlineAtRisk(NamedTuple):
    """A deadline at risk, with what its list shows."""

    firm_id: int
    firm: str
    kind: str
    asset_number: str
    due_on: datetime.date
    grace_ends_on: datetime.date | None
    # The responsible agency's names ("" and "" when there is none).
    agency_name: str
    agency_name_en: str

    def get_kind_display(self):
        return str(dict(Deadline.Kind.choices).get(self.kind, self.kind))


def deadlines_at_risk(user, filters, today, limit=LIST_LIMIT):
    """One query: the open deadlines at risk, soonest first, as DeadlineAtRisk rows.

    Plain rows, not models: a thousand deadlines, each with its asset, firm and agency,
    cost more than the query and left the garbage collector thousands of objects.
    """
    rows = (
        Deadline.objects.filter(
            firm__in=selectors.firms_visible_to(user).filter(filters.firm_q()).values("pk")
        )
        .filter(_at_risk_q(today))
        .order_by("due_on", "pk")
        .values_list(
            "firm_id",
            "firm__name",
            "kind",
            "asset__number",
            "due_on",
            "grace_ends_on",
            Coalesce("responsible_agency__name", Value("")),
            Coalesce("responsible_agency__name_en", Value("")),
        )[:limit]
    )
    return [DeadlineAtRisk(*row) for row in rows]


def firms_without_request(firms, year, limit=LIST_LIMIT):
    """Two queries: eligible firms with no request this year, with their members' e-mails
    (only what the list shows is loaded)."""
    return list(
        firms.filter(_eligible_q(year))
        .exclude(_requested(year))
        .select_related(None)
        .only("name", "industry")
        .prefetch_related(Prefetch("members", queryset=User.objects.only("email", "firm_id")))
        .order_by("name")[:limit]
    )


def offers_waiting(user, filters, limit=LIST_LIMIT):
    """One query: offers of the year waiting for the agency's answer, deadline first."""
    return list(
        selectors.offers_visible_to(user)
        .filter(
            filters.firm_q("request__firm__"),
            status=Offer.Status.PENDING,
            request__programme_year=filters.year,
        )
        # What the list shows, as for the deadlines.
        .select_related(None)
        .select_related("request__firm", "agency")
        .only(
            "sent_at",
            "respond_by",
            "request__firm__name",
            "agency__name",
            "agency__name_en",
        )
        .order_by("respond_by", "pk")[:limit]
    )


def _month_starts(year, *, aware):
    """The thirteen first days of the months from January of `year` to the next January."""
    tz = timezone.get_current_timezone()
    days = [datetime.date(year.year, m, 1) for m in range(1, 13)]
    days.append(datetime.date(year.year + 1, 1, 1))
    if aware:
        return [datetime.datetime(d.year, d.month, 1, tzinfo=tz) for d in days]
    return days


def _by_month(qs, *, field, year, aggregate=Count, value="pk"):
    """One query: the 12 monthly totals of `value` by the datetime `field` in `year`.

    One conditional aggregate per month: TruncMonth is a Python function called per
    row on SQLite, and the month edges here are local midnights as TruncMonth's are.
    """
    edges = _month_starts(year, aware=True)
    sums = qs.aggregate(
        **{
            f"m{n}": aggregate(value, filter=Q(**{f"{field}__gte": low, f"{field}__lt": high}))
            for n, (low, high) in enumerate(itertools.pairwise(edges))
        }
    )
    return [sums[f"m{n}"] or 0 for n in range(12)]


def _by_day_of_month(qs, *, field, year, value):
    """One query: the 12 monthly sums of `value` by the date `field` in `year`, grouped
    by day in the database (at most 366 rows) and by month here."""
    totals = [0] * 12
    rows = (
        qs.filter(**{f"{field}__year": year.year})
        .order_by()
        .values(field)
        .annotate(n=Sum(value))
        .values_list(field, "n")
    )
    for day, n in rows:
        totals[day.month - 1] += n or 0
    return totals


def monthly_trend(user, filters):
    """Three queries: per month of the year, requests made, engagements started and
    service quantity confirmed."""
    firms = selectors.firms_visible_to(user).filter(filters.firm_q()).values("pk")
    requests = _by_month(
        CustodyRequest.objects.filter(firm__in=firms, programme_year=filters.year),
        field="submitted_at",
        year=filters.year,
    )
    started = _by_month(
        Engagement.objects.filter(
            firm__in=firms, programme_year=filters.year, previous__isnull=True
        ),
        field="created_at",
        year=filters.year,
    )
    delivered = _by_day_of_month(
        ServiceRecord.objects.filter(
            engagement__firm__in=firms,
            engagement__programme_year=filters.year,
            status=ServiceRecord.Status.CONFIRMED,
        ),
        field="delivered_on",
        year=filters.year,
        value="quantity",
    )
    return [
        {
            "month": month,
            "requests": requests[n],
            "engagements": started[n],
            "delivered": delivered[n],
        }
        for n, month in enumerate(_month_starts(filters.year, aware=False)[:12])
    ]


def budget_figures(year, today):
    """Two queries: the year's budget reserved, settled and left, with its forecast.

    Reserved: the government amount of covering engagements not yet settled; settled:
    the amounts of approved settlements (what was released went back to the budget).
    """
    engagements = Engagement.objects.filter(programme_year=year)
    approved = Q(settlement__status=Settlement.Status.APPROVED)
    sums = engagements.aggregate(
        reserved=Sum("government_amount", filter=Q(status__in=COVERING) & ~approved),
        settled=Sum("settlement__amount", filter=approved),
    )
    amounts = _by_month(
        engagements.filter(status__in=COVERING),
        field="created_at",
        year=year,
        aggregate=Sum,
        value=Case(When(approved, then=F("settlement__amount")), default=F("government_amount")),
    )
    months = _month_starts(year, aware=False)[:12]
    return burn_forecast(
        budget=year.budget,
        reserved=sums["reserved"] or ZERO,
        settled=sums["settled"] or ZERO,
        monthly={month: amount or ZERO for month, amount in zip(months, amounts, strict=True)},
        start=datetime.date(year.year, 1, 1),
        end=datetime.date(year.year, 12, 31),
        today=today,
    )


def agency_scorecards(user, year):
    """Seven queries: a scorecard for each agency `user` may see that took part in `year`.

    offers received; acceptance rate = accepted / (accepted + declined + expired);
    median response time (hours, answered offers); active clients against yearly
    capacity; deadlines missed and done in the calendar year (as responsible agency);
    delivery completeness = confirmed quantity (capped at each item's quota) / quota;
    mean settlement rating; consultations handled by its staff in the calendar year.
    """
    start, end = year_window(year)
    offered = Offer.objects.filter(request__programme_year=year)
    agencies = list(
        selectors.agencies_visible_to(user)
        .filter(Q(status=Agency.Status.APPROVED) | Exists(offered.filter(agency=OuterRef("pk"))))
        .order_by("name")
        .values("pk", "name", "name_en", "yearly_capacity", "status")
    )
    # A subquery, not the list of ids: hundreds of parameters cost more than the scan.
    ids = selectors.agencies_visible_to(user).values("pk")
    offers = {
        row["agency_id"]: row
        for row in offered.filter(agency_id__in=ids)
        .order_by()
        .values("agency_id")
        .annotate(
            received=Count("pk"),
            accepted=Count("pk", filter=Q(status=Offer.Status.ACCEPTED)),
            declined=Count("pk", filter=Q(status=Offer.Status.DECLINED)),
            expired=Count("pk", filter=Q(status=Offer.Status.EXPIRED)),
            pending=Count("pk", filter=Q(status=Offer.Status.PENDING)),
        )
    }
    response = _median_rows(
        offered.filter(
            agency_id__in=ids,
            responded_at__isnull=False,
            status__in=[Offer.Status.ACCEPTED, Offer.Status.DECLINED],
        ),
        value=SecondsBetween(F("responded_at"), F("sent_at")),
        group="agency_id",
    )
    delivery = _delivery_by_agency(
        Engagement.objects.filter(
            agency_id__in=ids, programme_year=year, status__in=COVERING
        ).order_by()
    )
    deadlines = {
        row["responsible_agency_id"]: row
        for row in Deadline.objects.filter(responsible_agency_id__in=ids)
        .filter(Q(missed_at__gte=start, missed_at__lt=end) | Q(done_at__gte=start, done_at__lt=end))
        .order_by()
        .values("responsible_agency_id")
        .annotate(
            missed=Count("pk", filter=Q(missed_at__isnull=False)),
            done=Count("pk", filter=Q(missed_at__isnull=True)),
        )
    }
    ratings = {
        row["engagement__agency_id"]: row
        for row in Settlement.objects.filter(
            engagement__agency_id__in=ids, engagement__programme_year=year
        )
        .order_by()
        .values("engagement__agency_id")
        .annotate(mean=Avg("rating"), count=Count("pk"))
    }
    consultations = {
        row["assigned_to__agency_id"]: row
        for row in Conversation.objects.filter(
            assigned_to__agency_id__in=ids, created_at__gte=start, created_at__lt=end
        )
        .order_by()
        .values("assigned_to__agency_id")
        .annotate(
            handled=Count("pk"),
            resolved=Count("pk", filter=Q(state=Conversation.State.RESOLVED)),
        )
    }
    cards = []
    for agency in agencies:
        pk = agency["pk"]
        o = offers.get(pk, {})
        d = delivery.get(pk, {})
        decided = o.get("accepted", 0) + o.get("declined", 0) + o.get("expired", 0)
        wait = _seconds_median(response.get(pk))
        cards.append(
            {
                "agency_id": pk,
                "name": agency["name"],
                "status": agency["status"],
                "offers_received": o.get("received", 0),
                "offers_accepted": o.get("accepted", 0),
                "offers_pending": o.get("pending", 0),
                "acceptance_rate": ratio(o.get("accepted", 0), decided),
                "median_response_hours": wait / 3600 if wait is not None else None,
                "active_clients": d.get("active", 0),
                "capacity": agency["yearly_capacity"],
                "capacity_used": ratio(d.get("active", 0), agency["yearly_capacity"]),
                "deadlines_missed": deadlines.get(pk, {}).get("missed", 0),
                "deadlines_done": deadlines.get(pk, {}).get("done", 0),
                "quota": d.get("quota_total") or 0,
                "delivered": d.get("delivered") or 0,
                "completeness": ratio(d.get("delivered") or 0, d.get("quota_total")),
                "rating": ratings.get(pk, {}).get("mean"),
                "ratings": ratings.get(pk, {}).get("count", 0),
                "consultations": consultations.get(pk, {}).get("handled", 0),
                "consultations_resolved": consultations.get(pk, {}).get("resolved", 0),
            }
        )
    return league_table(cards)


def _delivery_by_agency(engagements):
    """One query: per agency, its active engagements and their quota and delivery."""
    try:
        each, each_params = _compiled(
            engagements.values(engagement_row=F("pk"), agency_row=F("agency_id"), state=F("status"))
        )
        sums, sums_params = _engagement_sums(engagements)
    except EmptyResultSet:  # a user who sees no agency
        return {}
    sql = (
        "SELECT e.agency_row, COUNT(CASE WHEN e.state = %s THEN 1 END),"  # noqa: S608
        " SUM(sums.quota), SUM(sums.delivered)"
        f" FROM ({each}) e INNER JOIN ({sums}) sums ON sums.engagement_row = e.engagement_row"
        " GROUP BY e.agency_row"
    )
    params = (Engagement.Status.ACTIVE, *each_params, *sums_params)
    return {
        agency_id: {"active": active, "quota_total": int(quota), "delivered": int(delivered)}
        for agency_id, active, quota, delivered in _fetch(engagements.db, sql, params)
    }


def chat_figures(period):
    """Three queries: the assistant's figures as chat.selectors.chat_analytics defines them."""
    start, end = period
    conversations = Conversation.objects.filter(created_at__gte=start, created_at__lt=end)
    handed = Q(handed_off_at__isnull=False)
    sums = conversations.aggregate(
        conversations=Count("pk"),
        handoffs=Count("pk", filter=handed),
        tickets=Count("pk", filter=handed & Q(ticket=True)),
        csat_mean=Avg("csat"),
        csat_count=Count("csat"),
    )
    waits = _median_rows(
        conversations.filter(handed, first_response_at__isnull=False),
        value=SecondsBetween(F("first_response_at"), F("handed_off_at")),
    )
    messages = Message.objects.filter(
        conversation__in=conversations.values("pk"), sender=Message.Sender.BOT
    ).aggregate(
        answers=Count("pk", filter=Q(kind="answer")),
        clarifications=Count("pk", filter=Q(kind="clarify")),
        fallbacks=Count("pk", filter=Q(kind="fallback")),
        thumbs_down=Count("pk", filter=Q(feedback=Message.Feedback.DOWN)),
    )
    total, handoffs = sums["conversations"], sums["handoffs"]
    wait = _seconds_median(waits.get(None))
    return {
        **sums,
        "csat_mean": float(sums["csat_mean"]) if sums["csat_mean"] is not None else None,
        "handoff_rate": handoffs / total if total else 0.0,
        "deflection_rate": (total - handoffs) / total if total else 0.0,
        "median_first_response_seconds": wait,
        **messages,
    }


# --- The dashboards -------------------------------------------------------------------


def incubator_dashboard(
    user, filters, *, today=None, incubators=None, list_limit=LIST_LIMIT, in_full=()
):
    """An incubator's coverage, gaps, delivery and satisfaction; `user` scopes every read.

    About a dozen queries whatever the incubator's size (see the tests' pins). Coverage
    is broken down by incubator and industry only, which keeps the grid small city-wide.
    incubators: those `user` sees, if the caller has them. The lists (no_request,
    offers_waiting, deadlines_at_risk, delivery) keep their first `list_limit` rows
    (None: all), except those named in `in_full`, which keep every row.
    """
    today = today or timezone.localdate()
    if incubators is None:
        incubators = _incubators_for(user)
    firms, coverage = _coverage(user, filters, incubators, ("incubator", "industry"))

    def limit(name):
        return None if name in in_full else list_limit

    return {
        "coverage": coverage,
        "no_request": firms_without_request(firms, filters.year, limit("no_request")),
        "offers_waiting": offers_waiting(user, filters, limit("offers_waiting")),
        "deadlines": deadline_figures(user, filters, today),
        "deadlines_at_risk": deadlines_at_risk(user, filters, today, limit("deadlines_at_risk")),
        "delivery": delivery_by_engagement(user, filters, today, limit("delivery")),
        "satisfaction": satisfaction(user, filters),
        "trend": monthly_trend(user, filters),
    }


def _incubators_for(user):
    return list(selectors.incubators_visible_to(user).order_by("name"))


def programme_dashboard(user, filters, *, incubators, today=None, now=None):
    """The city's progress: coverage against target, budget burn, agencies, assistant."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    firms, coverage = _coverage(user, filters, incubators)
    start, end = year_window(filters.year)
    return {
        "coverage": coverage,
        "target": filters.year.target_firms,
        "covered_by_month": cumulative(coverage_by_month(firms, filters.year)),
        "budget": budget_figures(filters.year, today),
        "scorecards": agency_scorecards(user, filters.year),
        "chat": chat_figures((start, min(end, now))),
    }


def agency_scorecard(user, year):
    """The scorecard of the agency `user` works for (its staff see only their own)."""
    cards = agency_scorecards(user, year)
    return cards[0] if cards else None


__all__ = [
    "AT_RISK_DAYS",
    "BurnForecast",
    "Filters",
    "agency_scorecard",
    "agency_scorecards",
    "burn_forecast",
    "chat_figures",
    "default_year",
    "incubator_dashboard",
    "league_table",
    "programme_dashboard",
    "programme_years",
    "roll_up",
]
