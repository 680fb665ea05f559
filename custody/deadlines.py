"""Deadlines derived from IP assets by rule. Pure: plain dataclasses in and out, no ORM.

Rules, and the practice they follow:

- Patent annual fees. Patent years run from the filing date; the fee for each
  year is due on the filing-date anniversary that starts it (a 29 February
  filing falls to 28 February in common years). The fee for the year in which
  the grant falls is paid with the registration formalities, before the grant
  is announced, so the engine starts from the first anniversary after the
  grant date. Fees run until the patent expires. Each fee has six months'
  grace; the CNIPA surcharge grows by month of lateness: nothing in the first
  month, then 5 %, 10 %, 15 %, 20 % and 25 % of the annual fee.
- Patent expiry: invention 20 years, utility model 10 years, design 15 years if
  filed from 2021-06-01, else 10 years, counted from the filing date; the
  right ends on the day before that anniversary. Expiry ends a right, it is not
  a time limit for an act, so holidays do not move it.
- Patent expiry is information, not a task: nothing can be done to meet it, so
  it is never flagged missed nor counted against an agency (`is_task`).
- Trademark renewal: a registration lasts 10 years from the registration
  date (ending the day before the anniversary); renewal may be filed from 12
  months before expiry, and within a six-month grace after it. A mark in force
  was renewed each time, so the renewal shown is the term whose grace is not
  over yet (a 2010 mark in force in 2026 renews by 2030-04-30, not 2020).
- A time limit for an act that ends on a Chinese public holiday or rest day
  ends on the next working day (core.workdays); when that answer rests
  on an undeclared year's calendar, the deadline is marked provisional.
- A manual adjusted expiry (term compensation, a recorded renewal) replaces
  the computed expiry.
- Software copyrights need no maintenance and have no deadlines.
"""

import datetime
from dataclasses import dataclass, field
from functools import cache

from core.workdays import next_workday_on_or_after

PATENT, TRADEMARK, SOFTWARE_COPYRIGHT = "patent", "trademark", "software_copyright"
INVENTION, UTILITY_MODEL, DESIGN = "invention", "utility_model", "design"

ANNUAL_FEE, PATENT_EXPIRY, TRADEMARK_RENEWAL = "annual_fee", "patent_expiry", "trademark_renewal"
# Kinds that ask for an act by a date; the others only inform.
TASK_KINDS = frozenset({ANNUAL_FEE, TRADEMARK_RENEWAL})

DESIGN_15_YEARS_FROM = datetime.date(2021, 6, 1)
GRACE_MONTHS = 6
# Percent of the annual fee for each month of the grace, month 1 first (CNIPA).
ANNUAL_FEE_SURCHARGE_PERCENTS = (0, 5, 10, 15, 20, 25)
TRADEMARK_TERM_YEARS = 10
RENEWAL_WINDOW_MONTHS = 12
# Annual fees are listed from the one still open today up to this far ahead.
DEFAULT_HORIZON = datetime.timedelta(days=400)


@dataclass(frozen=True, slots=True)
class AssetFacts:
    """What the rules need to know about one asset; `ref` is handed back untouched."""

    ref: object
    kind: str
    in_force: bool = True
    patent_type: str = ""
    filing_date: datetime.date | None = None
    grant_date: datetime.date | None = None
    registration_date: datetime.date | None = None
    expiry_override: datetime.date | None = None


@dataclass(frozen=True, slots=True)
class SurchargeStep:
    """Paid on or before `until`, the surcharge is `percent` % of the fee."""

    month: int
    until: datetime.date
    percent: int


@dataclass(frozen=True, slots=True)
class DeadlineSpec:
    kind: str
    asset_ref: object
    due_on: datetime.date
    original_due_on: datetime.date
    grace_ends_on: datetime.date | None
    provisional: bool
    surcharges: tuple = field(default=())
    opens_on: datetime.date | None = None
    fee_year: int | None = None

    def surcharge_percent(self, paid_on):
        """The surcharge due when paying on `paid_on`; None once the grace is over."""
        if paid_on <= self.due_on:
            return 0
        for step in self.surcharges:
            if paid_on <= step.until:
                return step.percent
        return None


def is_task(kind):
    """Whether a deadline of `kind` asks for an act (and so can be done or missed)."""
    return kind in TASK_KINDS


def add_months(day, months):
    """Same day of the month `months` later, or the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return _clamped(year, month + 1, day.day)


def add_years(day, years):
    """The anniversary `years` later; 29 February falls to 28 February in common years."""
    return _clamped(day.year + years, day.month, day.day)


def _clamped(year, month, day):
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return datetime.date(year, month, _month_length(year, month))


def _month_length(year, month):
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (following - datetime.timedelta(days=1)).day


@cache
def working_day(day):
    """(first working day on or after `day`, provisional): cached, days repeat across assets."""
    result = next_workday_on_or_after(day)
    return result.day, result.provisional


def patent_term_years(patent_type, filing_date):
    if patent_type == INVENTION:
        return 20
    if patent_type == UTILITY_MODEL:
        return 10
    if patent_type == DESIGN:
        return 15 if filing_date >= DESIGN_15_YEARS_FROM else 10
    raise ValueError(f"unknown patent type {patent_type!r}")


def patent_expiry(patent_type, filing_date, override=None):
    if override is not None:
        return override
    return add_years(filing_date, patent_term_years(patent_type, filing_date)) - datetime.timedelta(
        days=1
    )


def trademark_expiry(registration_date, override=None):
    if override is not None:
        return override
    return add_years(registration_date, TRADEMARK_TERM_YEARS) - datetime.timedelta(days=1)


def _grace(nominal):
    """Grace end (moved to a working day) and the surcharge by month, from the nominal due date."""
    steps = []
    provisional = False
    for month, percent in enumerate(ANNUAL_FEE_SURCHARGE_PERCENTS, start=1):
        until, unsure = working_day(add_months(nominal, month))
        provisional |= unsure
        steps.append(SurchargeStep(month=month, until=until, percent=percent))
    return steps[-1].until, tuple(steps), provisional


def annual_fees(facts, today, horizon=DEFAULT_HORIZON):
    """The fees whose grace is not over by `today` and that fall due within `horizon`."""
    filing, grant = facts.filing_date, facts.grant_date
    if not facts.in_force or filing is None or grant is None:
        return []
    expiry = patent_expiry(facts.patent_type, filing, facts.expiry_override)
    # n is the number of whole patent years before the fee: its due date is filing + n years.
    n = max(grant.year - filing.year, 1)
    while add_years(filing, n) <= grant:
        n += 1
    n = max(n, today.year - filing.year - 1)
    # A fee stays until its grace is over, the grace's last day moved past holidays.
    while working_day(add_months(add_years(filing, n), GRACE_MONTHS))[0] < today:
        n += 1
    last = today + horizon
    specs = []
    while True:
        nominal = add_years(filing, n)
        if nominal > last or nominal > expiry:
            return specs
        due, provisional = working_day(nominal)
        grace_ends, steps, unsure = _grace(nominal)
        specs.append(
            DeadlineSpec(
                kind=ANNUAL_FEE,
                asset_ref=facts.ref,
                due_on=due,
                original_due_on=nominal,
                grace_ends_on=grace_ends,
                provisional=provisional or unsure,
                surcharges=steps,
                fee_year=n + 1,
            )
        )
        n += 1


def deadlines_for(facts, today, horizon=DEFAULT_HORIZON):
    """Every deadline of one asset as of `today`."""
    if not facts.in_force:
        return []
    if facts.kind == PATENT:
        if facts.filing_date is None or facts.grant_date is None:
            return []
        expiry = patent_expiry(facts.patent_type, facts.filing_date, facts.expiry_override)
        specs = annual_fees(facts, today, horizon)
        specs.append(
            DeadlineSpec(
                kind=PATENT_EXPIRY,
                asset_ref=facts.ref,
                due_on=expiry,
                original_due_on=expiry,
                grace_ends_on=None,
                provisional=False,
            )
        )
        return specs
    if facts.kind == TRADEMARK:
        if facts.registration_date is None:
            return []
        expiry = current_trademark_term_end(
            facts.registration_date, today, override=facts.expiry_override
        )
        due, provisional = working_day(expiry)
        grace_ends, unsure = working_day(add_months(expiry, GRACE_MONTHS))
        return [
            DeadlineSpec(
                kind=TRADEMARK_RENEWAL,
                asset_ref=facts.ref,
                due_on=due,
                original_due_on=expiry,
                grace_ends_on=grace_ends,
                provisional=provisional or unsure,
                opens_on=add_months(expiry, -RENEWAL_WINDOW_MONTHS),
            )
        ]
    return []


def current_trademark_term_end(registration_date, today, *, override=None):
    """The end of the registration's term that is still renewable on `today`.

    Terms run ten years each from the registration date (or, with a manual expiry, from the day
    after it); the first whose renewal grace has not ended by `today` is the one to renew.
    """
    expiry = trademark_expiry(registration_date, override)
    while working_day(add_months(expiry, GRACE_MONTHS))[0] < today:
        expiry = add_years(expiry + datetime.timedelta(days=1), TRADEMARK_TERM_YEARS) - (
            datetime.timedelta(days=1)
        )
    return expiry


def deadlines_for_all(assets, today, horizon=DEFAULT_HORIZON):
    """Deadlines of many assets in one list, in the order of the assets."""
    specs = []
    for facts in assets:
        specs.extend(deadlines_for(facts, today, horizon))
    return specs
