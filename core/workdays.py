"""Chinese working days: declared calendars where they exist, a provisional one beyond.

`chinese-calendar` carries the State Council's declared holidays and adjusted
working days (调休) for the years it knows; for later years the `holidays`
package's China calendar gives the statutory holidays, but the adjusted
working days are not declared yet, so any answer that depends on such a year
is marked provisional.
"""

import datetime
from dataclasses import dataclass
from functools import lru_cache

from core.lazy import lazy_import

# The calendars load on the first working-day question (the `holidays` package alone took
# a good part of `manage.py check`'s start-up).
chinese_calendar = lazy_import("chinese_calendar")
holidays = lazy_import("holidays")


@dataclass(frozen=True)
class WorkdayResult:
    day: datetime.date
    provisional: bool


@lru_cache(maxsize=64)
def _fallback_calendar(year):
    return holidays.China(years=year)


@lru_cache(maxsize=4096)
def _is_workday(day):
    """(is it a working day, is the answer provisional)."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return _fallback_calendar(day.year).is_working_day(day), True


def is_workday(day):
    return _is_workday(day)[0]


def add_workdays(start, count):
    """The day `count` working days after `start` (start itself never counts).

    With count 0 this is the first working day on or after `start`.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    provisional = False
    remaining = count
    if remaining == 0:
        working, unsure = _is_workday(day)
        provisional |= unsure
        while not working:
            day += datetime.timedelta(days=1)
            working, unsure = _is_workday(day)
            provisional |= unsure
        return WorkdayResult(day, provisional)
    while remaining:
        day += datetime.timedelta(days=1)
        working, unsure = _is_workday(day)
        provisional |= unsure
        if working:
            remaining -= 1
    return WorkdayResult(day, provisional)


def next_workday_on_or_after(day):
    """A deadline that falls on a holiday or rest day moves to the next working day."""
    return add_workdays(day, 0)
