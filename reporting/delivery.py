"""Delivery under the engagements: services against quotas, satisfaction, deadlines at risk,
offers waiting and the monthly trend, for the incubator and programme dashboards.
"""

import datetime
import itertools
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from custody.models import Deadline, ServiceRecord, Settlement
from marketplace import selectors
from marketplace.models import (
    CustodyRequest,
    Engagement,
    Offer,
)
from reporting.figures import SLIP_MARGIN, delivery_slipping, ratio
from reporting.filters import AT_RISK_DAYS, COVERING, LIST_LIMIT, year_window
from reporting.sql import DaysBetween, compiled, engagement_sums, fetch, raw_date


def engagements_in_scope(user, filters):
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
SHARE = "CAST(sums.delivered AS DOUBLE PRECISION) / NULLIF(sums.quota, 0)"


SLIPPING = (
    "CASE WHEN e.state = %s AND e.duration > 0 AND sums.quota > 0 AND"
    f" {SHARE} + %s < CAST(e.elapsed AS DOUBLE PRECISION) / NULLIF(e.duration, 0)"
    " THEN 1 ELSE 0 END"
)


def delivery_by_engagement(user, filters, today, limit=LIST_LIMIT):
    """One query: per engagement of the year, quota, confirmed (capped) and pending
    quantity; the slipping and least delivered first, then by firm.

    The database sorts and cuts the list (a city-wide page cannot list thousands):
    the sums per engagement are joined to the engagements, whose days gone by are
    worked out once each.
    """
    engagements = engagements_in_scope(user, filters).filter(status__in=COVERING)
    starts, ends = F("starts_on"), F("ends_on")
    # min(max(today, starts_on), ends_on) - starts_on, as delivery_slipping() has it.
    elapsed = Case(
        When(starts_on__gt=today, then=Value(0)),
        When(ends_on__lt=today, then=DaysBetween(ends, starts)),
        default=DaysBetween(Value(today, output_field=DateField()), starts),
        output_field=IntegerField(),
    )
    try:
        each, each_params = compiled(
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
        sums, sums_params = engagement_sums(engagements)
    except EmptyResultSet:  # a user who sees no engagement
        return []
    sql = (
        "SELECT e.engagement_row, e.firm_row, e.firm_name, e.agency_row, e.agency_name, e.state,"  # noqa: S608
        " e.starts, e.ends, sums.quota, sums.delivered, sums.pending"
        f" FROM ({each}) e INNER JOIN ({sums}) sums ON sums.engagement_row = e.engagement_row"
        f" ORDER BY {SLIPPING} DESC,"
        f" COALESCE({SHARE}, 0), e.firm_name, e.engagement_row"
    )
    params = (*each_params, *sums_params, Engagement.Status.ACTIVE, SLIP_MARGIN)
    if limit is not None:
        sql += " LIMIT %s"
        params += (limit,)
    delivery = []
    for values in fetch(engagements.db, sql, params):
        row = dict(zip(DELIVERY_KEYS, values, strict=True))
        for key in ("starts_on", "ends_on"):
            row[key] = raw_date(row[key])
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
    settlements = Settlement.objects.filter(
        engagement__in=engagements_in_scope(user, filters).values("pk")
    )
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
        at_risk=Count("pk", filter=at_risk_q(today)),
        overdue=Count("pk", filter=at_risk_q(today) & Q(due_on__lt=today)),
        missed=Count("pk", filter=Q(missed_at__gte=start, missed_at__lt=end)),
        done=Count("pk", filter=Q(done_at__gte=start, done_at__lt=end)),
    )


def at_risk_q(today):
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
        .filter(at_risk_q(today))
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


def month_starts(year, *, aware):
    """The thirteen first days of the months from January of `year` to the next January."""
    tz = timezone.get_current_timezone()
    days = [datetime.date(year.year, m, 1) for m in range(1, 13)]
    days.append(datetime.date(year.year + 1, 1, 1))
    if aware:
        return [datetime.datetime(d.year, d.month, 1, tzinfo=tz) for d in days]
    return days


def by_month(qs, *, field, year, aggregate=Count, value="pk"):
    """One query: the 12 monthly totals of `value` by the datetime `field` in `year`.

    One conditional aggregate per month: TruncMonth is a Python function called per
    row on SQLite, and the month edges here are local midnights as TruncMonth's are.
    """
    edges = month_starts(year, aware=True)
    sums = qs.aggregate(
        **{
            f"m{n}": aggregate(value, filter=Q(**{f"{field}__gte": low, f"{field}__lt": high}))
            for n, (low, high) in enumerate(itertools.pairwise(edges))
        }
    )
    return [sums[f"m{n}"] or 0 for n in range(12)]


def by_day_of_month(qs, *, field, year, value):
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
    requests = by_month(
        CustodyRequest.objects.filter(firm__in=firms, programme_year=filters.year),
        field="submitted_at",
        year=filters.year,
    )
    started = by_month(
        Engagement.objects.filter(
            firm__in=firms, programme_year=filters.year, previous__isnull=True
        ),
        field="created_at",
        year=filters.year,
    )
    delivered = by_day_of_month(
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
        for n, month in enumerate(month_starts(filters.year, aware=False)[:12])
    ]
