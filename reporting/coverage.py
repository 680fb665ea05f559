"""Coverage: where each firm stands in a programme year, counted by district, park,
incubator and industry, and the firm lists behind each figure.

Each figure is aggregated in the database in a fixed number of queries; reads start from
the permission-scoped selectors, so a manager only ever counts their own incubator's firms.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import (
    Count,
    Min,
    Prefetch,
    Q,
)
from django.db.models.functions import TruncMonth

from marketplace import selectors
from marketplace.choices import District, Industry, RevenueBand
from marketplace.eligibility import ELIGIBLE_LEVELS
from marketplace.models import (
    CustodyRequest,
    Engagement,
    Firm,
    User,
)
from reporting.figures import DIMENSIONS, grid_columns, roll_up
from reporting.filters import COVERING, LIST_LIMIT, year_window
from reporting.sql import compiled, fetch, raw_date

# --- Queries --------------------------------------------------------------------------


def eligible_q(year):
    """Firm-level eligibility for `year` (the rules a firm carries, not its requests)."""
    top = RevenueBand.rank(year.max_revenue_band)
    bands = [band for band in RevenueBand.values if RevenueBand.rank(band) <= top]
    return Q(
        verification=Firm.Verification.VERIFIED,
        incubator__level__in=ELIGIBLE_LEVELS,
        headcount__lte=year.max_headcount,
        revenue_band__in=bands,
    )


def live_requests(year):
    return CustodyRequest.objects.filter(programme_year=year).exclude(
        status=CustodyRequest.Status.WITHDRAWN
    )


# Each status below is a set of firm ids the database works out once (an uncorrelated
# IN: hashed by PostgreSQL, materialised by SQLite), not a subquery per firm. Per firm,
# SQLite without statistics probed the engagements by programme year and read every
# engagement of the year once per firm; PostgreSQL's estimate for thousands of subplan
# runs switched its JIT on, which cost more than the query.


def requested_q(year):
    """Firms with a live request for `year` (at most one each)."""
    return Q(pk__in=live_requests(year).values("firm_id"))


def offered_q(year):
    """Firms whose live request for `year` waits for an agency's answer."""
    return Q(
        pk__in=live_requests(year).filter(status=CustodyRequest.Status.OFFERED).values("firm_id")
    )


def active_q(year):
    return Q(
        pk__in=Engagement.objects.filter(
            programme_year=year, status=Engagement.Status.ACTIVE
        ).values("firm_id")
    )


def covered_q(year):
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
        return eligible_q(year)
    if stage == "requested":
        return requested_q(year)
    if stage == "offered":
        return offered_q(year)
    if stage == "active":
        return active_q(year)
    if stage == "covered":
        return covered_q(year)
    if stage == "no_request":
        return ~requested_q(year) & eligible_q(year)
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
        sql, params = compiled(firsts)
    except EmptyResultSet:  # a user who sees no firm
        return []
    rows = fetch(
        firsts.db,
        f"SELECT month, COUNT(*) FROM ({sql}) firsts GROUP BY month ORDER BY month",  # noqa: S608
        params,
    )
    return [(raw_date(month), n) for month, n in rows]


def labels(incubators):
    parks = {inc.park_id: inc.park.display_name for inc in incubators if inc.park_id}
    return {
        "district": dict(District.choices),
        "industry": dict(Industry.choices),
        "park": parks,
    }


def coverage_grid(user, filters, incubators, dimensions=DIMENSIONS):
    """The firms `user` sees under `filters`, and their coverage totals and breakdowns.

    The grid is grouped only by the columns `dimensions` need: by all three it has a
    row for nearly every firm of a city-wide dashboard.
    """
    firms = selectors.firms_visible_to(user).filter(filters.firm_q())
    grid = firm_grid(firms, filters.year, grid_columns(dimensions))
    index = {inc.pk: (inc.display_name, inc.park_id) for inc in incubators}
    coverage = roll_up(grid, incubators=index, labels=labels(incubators), dimensions=dimensions)
    return firms, coverage


def firms_without_request(firms, year, limit=LIST_LIMIT):
    """Two queries: eligible firms with no request this year, with their members' e-mails
    (only what the list shows is loaded)."""
    return list(
        firms.filter(eligible_q(year))
        .exclude(requested_q(year))
        .select_related(None)
        .only("name", "industry")
        .prefetch_related(Prefetch("members", queryset=User.objects.only("email", "firm_id")))
        .order_by("name")[:limit]
    )
