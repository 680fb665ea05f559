"""Database helpers the figures share: medians and durations computed in SQL, raw queries."""

import datetime

from django.db import connections
from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Least, RowNumber

from custody.models import ServiceRecord
from marketplace.models import (
    EngagementItem,
)
from reporting.figures import median


def raw_date(value):
    """A date as a raw cursor reads it: a date, a naive local datetime (PostgreSQL's
    TruncMonth) or ISO text (SQLite)."""
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime.datetime) else value


def median_rows(qs, *, value, group=None):
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


def seconds_median(seconds):
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


def engagement_sums(engagements):
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
    sql, params = compiled(items)
    return (
        "SELECT engagement_row, SUM(item_quota) AS quota, SUM(item_delivered) AS delivered,"  # noqa: S608
        f" SUM(item_pending) AS pending FROM ({sql}) items GROUP BY engagement_row",
        params,
    )


def compiled(qs):
    """SQL and parameters of `qs`; EmptyResultSet when it can match nothing (none())."""
    return qs.query.get_compiler(connection=connections[qs.db]).as_sql()


def fetch(db, sql, params):
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
