"""Coverage: where each firm stands in a programme year, counted by district, park,
incubator and industry, and the firm lists behind each figure.

Each figure is aggregated in the database in a fixed number of queries; reads start from
the permission-scoped selectors, so a manager only ever counts their own incubator's firms.
"""

from functools import reduce
from operator import or_

from django.core.exceptions import EmptyResultSet
from django.db.models import (
    Count,
    Min,
    Prefetch,
    Q,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from marketplace import selectors, sme
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


def _below_q(measure, bound):
    """Firms provably under `bound` on `measure` (marketplace.sme.below, in SQL)."""
    if measure == sme.STAFF:
        return Q(headcount__lt=bound)
    if measure == sme.ASSETS:
        return Q(total_assets__lt=bound)
    bands = [
        band
        for band, (_low, high) in sme.REVENUE_BANDS.items()
        if high is not None and high <= bound
    ]
    return Q(annual_revenue__lt=bound) | Q(annual_revenue__isnull=True, revenue_band__in=bands)


def small_or_micro_q():
    """Firms small or micro in their sector under the SME standard (marketplace.sme.verdict)."""
    conditions = []
    for sector, (_label, bounds) in sme.SECTORS.items():
        in_sector = Q(sme_sector=sector)
        industries = [code for code, named in sme.INDUSTRY_SECTORS.items() if named == sector]
        if industries:
            in_sector |= Q(sme_sector="", industry__in=industries)
        conditions.append(in_sector & reduce(or_, (_below_q(m, b) for m, b in bounds)))
    return reduce(or_, conditions)


def reference_day(year, today=None):
    """The day a year's eligibility is judged on: today while it runs, else its nearest end."""
    today = today or timezone.localdate()
    return max(year.opens_on, min(today, year.closes_on))


def incubated_q(day):
    """Firms incubated on `day`: admitted by then and not yet left."""
    return Q(admitted_on__lte=day) & (
        Q(incubation_ends_on__isnull=True) | Q(incubation_ends_on__gte=day)
    )


def eligible_q(year):
    """Firm-level eligibility for `year` (the rules a firm carries, not its requests), judged
    on its reference day: incubated then, verified, small or micro, within the year's caps."""
    condition = (
        Q(verification=Firm.Verification.VERIFIED, incubator__level__in=ELIGIBLE_LEVELS)
        & incubated_q(reference_day(year))
        & small_or_micro_q()
    )
    if year.max_headcount is not None:
        condition &= Q(headcount__lte=year.max_headcount)
    if year.max_revenue_band:
        top = RevenueBand.rank(year.max_revenue_band)
        condition &= Q(
            revenue_band__in=[b for b in RevenueBand.values if RevenueBand.rank(b) <= top]
        )
    return condition


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


# Covered by the end of `year`: the programme's own definition (its progress figure).
covered_q = selectors.covered_q


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


def custody_status_by_firm(firm_ids, year):
    """Two queries: where each of `firm_ids` stands in `year`, for the firm list behind a
    figure: {firm_id: {"status": label, "agency": Agency or None, "since": datetime}}.

    The firm's latest engagement of the year speaks first (with its agency); without one,
    its live request; a firm with neither is absent (it has not applied)."""
    statuses = {}
    requests = (
        live_requests(year)
        .filter(firm_id__in=firm_ids)
        .order_by("firm_id", "submitted_at")
        .only("firm_id", "status", "submitted_at")
    )
    for request in requests:
        statuses[request.firm_id] = {
            "status": request.get_status_display(),
            "agency": None,
            "since": request.submitted_at,
        }
    engagements = (
        Engagement.objects.filter(programme_year=year, firm_id__in=firm_ids)
        .select_related("agency")
        .order_by("firm_id", "created_at")
    )
    for engagement in engagements:
        statuses[engagement.firm_id] = {
            "status": engagement.get_status_display(),
            "agency": engagement.agency,
            "since": engagement.created_at,
        }
    return statuses


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
