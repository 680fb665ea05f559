import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from core.workdays import is_workday
from custody import deadlines as d

DAYS = st.dates(min_value=datetime.date(2004, 1, 1), max_value=datetime.date(2040, 12, 31))
TYPES = st.sampled_from([d.INVENTION, d.UTILITY_MODEL, d.DESIGN])


@st.composite
def granted_patents(draw):
    filing = draw(DAYS)
    grant = filing + datetime.timedelta(days=draw(st.integers(0, 6 * 365)))
    return d.AssetFacts(
        ref=1, kind=d.PATENT, patent_type=draw(TYPES), filing_date=filing, grant_date=grant
    )


@st.composite
def patents_and_today(draw):
    facts = draw(granted_patents())
    today = facts.grant_date + datetime.timedelta(days=draw(st.integers(0, 25 * 365)))
    return facts, today


@settings(max_examples=300, deadline=None)
@given(patents_and_today())
def test_time_limits_end_on_working_days_on_or_after_the_nominal_date(case):
    facts, today = case
    for spec in d.deadlines_for(facts, today):
        assert spec.due_on >= spec.original_due_on
        if spec.kind == d.ANNUAL_FEE:
            assert is_workday(spec.due_on)
            assert all(is_workday(step.until) for step in spec.surcharges)
            # Nothing between the nominal date and the moved one is a working day.
            day = spec.original_due_on
            while day < spec.due_on:
                assert not is_workday(day)
                day += datetime.timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(patents_and_today())
def test_fees_fall_on_anniversaries_after_the_grant_and_before_expiry(case):
    facts, today = case
    expiry = d.patent_expiry(facts.patent_type, facts.filing_date)
    fees = [s for s in d.deadlines_for(facts, today) if s.kind == d.ANNUAL_FEE]
    for fee in fees:
        nominal = fee.original_due_on
        assert facts.grant_date < nominal <= expiry
        assert nominal.year - facts.filing_date.year == fee.fee_year - 1
        if (facts.filing_date.month, facts.filing_date.day) == (2, 29):
            assert (nominal.month, nominal.day) in {(2, 28), (2, 29)}
        else:
            assert (nominal.month, nominal.day) == (facts.filing_date.month, facts.filing_date.day)
        # The grace is never over by today: an overdue fee is still listed until it is.
        assert fee.grace_ends_on >= today
    assert [fee.fee_year for fee in fees] == list(
        range(fees[0].fee_year, fees[0].fee_year + len(fees)) if fees else []
    )


@settings(max_examples=300, deadline=None)
@given(patents_and_today())
def test_grace_follows_the_due_date_and_surcharges_grow(case):
    facts, today = case
    for fee in [s for s in d.deadlines_for(facts, today) if s.kind == d.ANNUAL_FEE]:
        assert fee.grace_ends_on > fee.due_on
        untils = [step.until for step in fee.surcharges]
        assert untils == sorted(untils)
        assert untils[-1] == fee.grace_ends_on
        assert [step.percent for step in fee.surcharges] == [0, 5, 10, 15, 20, 25]


@given(DAYS)
def test_expiry_ordering_by_type(filing):
    utility = d.patent_expiry(d.UTILITY_MODEL, filing)
    design = d.patent_expiry(d.DESIGN, filing)
    invention = d.patent_expiry(d.INVENTION, filing)
    assert filing < utility <= design < invention
    assert (design == utility) == (filing < d.DESIGN_15_YEARS_FROM)


@given(DAYS, st.integers(0, 30))
def test_anniversaries_keep_month_and_day_except_29_february(day, years):
    later = d.add_years(day, years)
    assert later.year == day.year + years
    if (day.month, day.day) == (2, 29):
        assert later.month == 2 and later.day in {28, 29}
    else:
        assert (later.month, later.day) == (day.month, day.day)


@given(DAYS, st.integers(-24, 24))
def test_months_never_overflow_into_the_next_month(day, months):
    later = d.add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day <= day.day


@given(st.dates(min_value=datetime.date(2004, 1, 1), max_value=datetime.date(2045, 12, 31)))
def test_trademark_renewal_window_opens_before_due_and_grace_follows(registered):
    facts = d.AssetFacts(ref=1, kind=d.TRADEMARK, registration_date=registered)
    [renewal] = d.deadlines_for(facts, registered)
    assert renewal.opens_on < renewal.original_due_on <= renewal.due_on < renewal.grace_ends_on
    assert is_workday(renewal.due_on) and is_workday(renewal.grace_ends_on)
