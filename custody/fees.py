"""Official fees of a deadline, and what keeping a portfolio will cost. Pure: plain data in and out.

The fee table itself is data the programme office keeps (`custody.models.OfficialFee` and
`FeeReduction`, seeded from CNIPA's published schedule); the selectors hand it here as a
`FeeTable` of plain rows. Rules, and the practice they follow:

- A patent's annual fee for patent year n is the rate for its type and year in force on the
  fee's nominal due date. Design years 11–15 exist only for designs filed from 2021-06-01
  (the 15-year term), so their rows carry `filed_from`.
- The fee reduction (《专利收费减缴办法》, 财税〔2016〕78号) takes 85 % off the annual fees for a
  single eligible owner and 70 % for two or more joint owners, for the fees of the first ten
  years counted from the patent year in which the patent was granted. Whether a firm is
  eligible is decided at CNIPA (备案), so every fee is shown with and without it.
- A fee paid in its grace period carries the surcharge of its month of lateness (5 % per
  month from the second month, `custody.deadlines`), counted on the full annual fee: the
  reduction lowers the fee, never the surcharge.
- A trademark renewal costs its rate per Nice class (one fee per class for ten years).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from core import money
from custody import deadlines

REDUCTION_SINGLE, REDUCTION_JOINT = "single", "joint"
FORECAST_YEARS = 5


@dataclass(frozen=True, slots=True)
class FeeRate:
    """`amount` a year (a patent's annual fee) or per class (a trademark renewal)."""

    kind: str
    patent_type: str
    first_year: int
    last_year: int
    amount: Decimal
    effective_from: datetime.date
    effective_until: datetime.date | None = None
    filed_from: datetime.date | None = None

    def applies(self, *, kind, patent_type, year, on, filing_date):
        return (
            self.kind == kind
            and self.patent_type == patent_type
            and self.first_year <= year <= self.last_year
            and self.effective_from <= on
            and (self.effective_until is None or on <= self.effective_until)
            and (self.filed_from is None or (filing_date and filing_date >= self.filed_from))
        )


@dataclass(frozen=True, slots=True)
class Reduction:
    """`percent` off the annual fees of `years` patent years from the grant's year."""

    owners: str
    percent: Decimal
    years: int
    effective_from: datetime.date
    effective_until: datetime.date | None = None

    def applies(self, *, owners, on):
        return (
            self.owners == owners
            and self.effective_from <= on
            and (self.effective_until is None or on <= self.effective_until)
        )


@dataclass(frozen=True, slots=True)
class FeeTable:
    rates: tuple = ()
    reductions: tuple = ()

    def rate(self, *, kind, patent_type, year, on, filing_date):
        for rate in self.rates:
            if rate.applies(
                kind=kind, patent_type=patent_type, year=year, on=on, filing_date=filing_date
            ):
                return rate
        return None

    def reduction(self, *, owners, on):
        for reduction in self.reductions:
            if reduction.applies(owners=owners, on=on):
                return reduction
        return None


@dataclass(frozen=True, slots=True)
class FeeFacts:
    """What pricing one deadline needs: the deadline's kind, year and dates, the right's facts."""

    kind: str
    nominal_due_on: datetime.date
    fee_year: int | None = None
    patent_type: str = ""
    filing_date: datetime.date | None = None
    grant_date: datetime.date | None = None
    classes: int = 1
    joint_owners: bool = False


@dataclass(frozen=True, slots=True)
class FeeQuote:
    """The fee of one deadline; the `reduced_*` amounts are None where no reduction covers it."""

    fee: Decimal
    surcharge_percent: int
    surcharge: Decimal
    payable: Decimal
    reduction_percent: Decimal | None
    reduced_fee: Decimal | None
    reduced_payable: Decimal | None

    @property
    def saving(self):
        return None if self.reduced_payable is None else self.payable - self.reduced_payable


def grant_patent_year(filing_date, grant_date):
    """The patent year (1 = the year from the filing date) in which the grant falls."""
    year = 1
    while deadlines.add_years(filing_date, year) <= grant_date:
        year += 1
    return year


def quote(table, facts, *, surcharge_percent=0):
    """The fee of the deadline `facts` describes, paid with `surcharge_percent` (None: unknown).

    None when the table has no rate for it (an expiry asks for no fee; a year not in the table).
    """
    if facts.kind == deadlines.ANNUAL_FEE:
        year, patent_type = facts.fee_year, facts.patent_type
    elif facts.kind == deadlines.TRADEMARK_RENEWAL:
        year, patent_type = 1, ""
    else:
        return None
    if year is None:
        return None
    rate = table.rate(
        kind=facts.kind,
        patent_type=patent_type,
        year=year,
        on=facts.nominal_due_on,
        filing_date=facts.filing_date,
    )
    if rate is None:
        return None
    units = max(facts.classes, 1) if facts.kind == deadlines.TRADEMARK_RENEWAL else 1
    fee = money.to_fen(rate.amount * units)
    percent = surcharge_percent or 0
    surcharge = money.to_fen(fee * percent / 100)
    reduction = _reduction_for(table, facts)
    reduced_fee = None
    if reduction is not None:
        reduced_fee = money.to_fen(fee * (100 - reduction.percent) / 100)
    return FeeQuote(
        fee=fee,
        surcharge_percent=percent,
        surcharge=surcharge,
        payable=fee + surcharge,
        reduction_percent=None if reduction is None else reduction.percent,
        reduced_fee=reduced_fee,
        reduced_payable=None if reduced_fee is None else reduced_fee + surcharge,
    )


def _reduction_for(table, facts):
    """The reduction covering this annual fee, if any: ten years from the grant's patent year."""
    if facts.kind != deadlines.ANNUAL_FEE or facts.filing_date is None:
        return None
    owners = REDUCTION_JOINT if facts.joint_owners else REDUCTION_SINGLE
    reduction = table.reduction(owners=owners, on=facts.nominal_due_on)
    if reduction is None:
        return None
    first = grant_patent_year(facts.filing_date, facts.grant_date) if facts.grant_date else 1
    if not first <= facts.fee_year < first + reduction.years:
        return None
    return reduction


# --- Five-year forecast ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ForecastPeriod:
    """One year of the forecast: [starts_on, ends_on], its fees counted and summed."""

    starts_on: datetime.date
    ends_on: datetime.date
    annual_fees: int
    renewals: int
    payable: Decimal
    reduced_payable: Decimal


def forecast(priced, *, today, years=FORECAST_YEARS):
    """What keeping a portfolio costs in each of the next `years` years from `today`.

    `priced` holds (due_on, kind, FeeQuote) for every fee still to pay, overdue ones in grace
    included (they fall in the first year). A fee no reduction covers counts at its full amount
    in the reduced column too.
    """
    starts = [deadlines.add_years(today, n) for n in range(years + 1)]
    counts = defaultdict(lambda: defaultdict(int))
    sums = defaultdict(lambda: [money.ZERO, money.ZERO])
    for due_on, kind, fee in priced:
        index = _period_of(starts, max(due_on, today))
        if index is None or fee is None:
            continue
        counts[index][kind] += 1
        sums[index][0] += fee.payable
        sums[index][1] += fee.payable if fee.reduced_payable is None else fee.reduced_payable
    return [
        ForecastPeriod(
            starts_on=starts[index],
            ends_on=starts[index + 1] - datetime.timedelta(days=1),
            annual_fees=counts[index][deadlines.ANNUAL_FEE],
            renewals=counts[index][deadlines.TRADEMARK_RENEWAL],
            payable=sums[index][0],
            reduced_payable=sums[index][1],
        )
        for index in range(years)
    ]


def _period_of(starts, day):
    for index in range(len(starts) - 1):
        if starts[index] <= day < starts[index + 1]:
            return index
    return None


def forecast_horizon(today, years=FORECAST_YEARS):
    """How far the deadline rules must look ahead for a forecast from `today`."""
    return deadlines.add_years(today, years) - today
