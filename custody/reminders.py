"""Which reminder a deadline is owed today, who answers for a missed one, and how urgent a
deadline is. Pure: plain values in and out, no ORM.
"""

import datetime
from dataclasses import dataclass

DEFAULT_REMINDER_DAYS = (90, 30, 7, 1)

# Urgency buckets of the deadline board, most urgent first.
OVERDUE, UPCOMING, MISSED, DONE = 0, 1, 2, 3


def last_day(due_on, grace_ends_on=None):
    """The last day the act can still be done: the end of the grace if there is one."""
    return grace_ends_on or due_on


def is_past(due_on, grace_ends_on, today):
    return last_day(due_on, grace_ends_on) < today


def reminder_owed(due_on, reminder_days, today, sent=()):
    """The day mark whose reminder should go out today, or None.

    A mark `d` is reached once `due_on - d <= today`, until the due day itself.
    Only the most recent mark reached counts: after an outage a 90-day
    reminder is not sent when only 5 days are left, the 7-day one is. Nothing
    is owed when that mark, or a later one, was already sent.
    """
    if today >= due_on:
        return None
    days_left = (due_on - today).days
    reached = [d for d in reminder_days if d >= days_left]
    if not reached:
        return None
    mark = min(reached)
    if any(d <= mark for d in sent):
        return None
    return mark


def reminder_days_of(engagement_days, open_year_days):
    """The programme's reminder days: the engagement's year, else the open year, else the default."""
    for days in (engagement_days, open_year_days):
        if days:
            return tuple(sorted({int(d) for d in days}, reverse=True))
    return DEFAULT_REMINDER_DAYS


@dataclass(frozen=True, slots=True)
class Custody:
    """One engagement of a firm, as far as responsibility for its deadlines goes."""

    agency_id: int
    active: bool
    starts_on: datetime.date
    ends_on: datetime.date
    year: int = 0


def responsible_agency(custodies, day):
    """The agency answering for a deadline whose last day was `day`.

    The engagement active now (the job runs the day after) comes first, the
    latest year winning; else the engagement whose period covered the day.
    None when no agency held the firm's custody.
    """
    active = [c for c in custodies if c.active]
    if active:
        return max(active, key=lambda c: (c.year, c.starts_on)).agency_id
    covering = [c for c in custodies if c.starts_on <= day <= c.ends_on]
    if covering:
        return max(covering, key=lambda c: (c.year, c.starts_on)).agency_id
    return None


def urgency(*, due_on, done, missed, today):
    """The board's bucket: overdue or in grace, then upcoming, then missed, then done."""
    if done:
        return DONE
    if missed:
        return MISSED
    return OVERDUE if due_on < today else UPCOMING
