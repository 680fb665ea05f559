import datetime

import pytest

from custody import deadlines as d

D = datetime.date


def patent(filing, grant, patent_type=d.INVENTION, **extra):
    return d.AssetFacts(
        ref="p",
        kind=d.PATENT,
        patent_type=patent_type,
        filing_date=filing,
        grant_date=grant,
        **extra,
    )


def fees(facts, today):
    return [s for s in d.deadlines_for(facts, today) if s.kind == d.ANNUAL_FEE]


def test_a_fee_on_national_day_moves_to_the_first_working_day_after_the_holiday():
    fee, following = fees(patent(D(2015, 10, 1), D(2018, 5, 4)), D(2025, 9, 1))
    assert following.original_due_on == D(2026, 10, 1)
    assert fee.original_due_on == D(2025, 10, 1)
    assert fee.due_on == D(2025, 10, 9)  # 1–8 October 2025 are holidays
    assert fee.fee_year == 11
    assert not fee.provisional


def test_a_fee_in_the_spring_festival_moves_past_it():
    [fee] = fees(patent(D(2016, 2, 16), D(2019, 1, 10)), D(2026, 1, 5))
    assert fee.due_on == D(2026, 2, 24)


def test_a_29_february_filing_falls_due_on_28_february_in_common_years():
    facts = patent(D(2016, 2, 29), D(2018, 6, 1))
    [fee_2025] = fees(facts, D(2025, 1, 10))
    assert fee_2025.original_due_on == D(2025, 2, 28)
    later = fees(facts, D(2027, 9, 1))
    assert later[0].original_due_on == D(2028, 2, 29)


def test_fees_start_at_the_first_anniversary_after_the_grant():
    facts = patent(D(2020, 6, 15), D(2023, 3, 1))
    first = fees(facts, D(2023, 3, 1))
    # The fee for the year of the grant is paid on registration; listing starts after it.
    assert [fee.original_due_on for fee in first] == [D(2023, 6, 15)]
    assert first[0].fee_year == 4


def test_no_fees_or_expiry_before_the_grant_or_when_not_in_force():
    assert d.deadlines_for(patent(D(2020, 6, 15), None), D(2024, 1, 1)) == []
    lapsed = d.AssetFacts(
        ref="p",
        kind=d.PATENT,
        in_force=False,
        patent_type=d.INVENTION,
        filing_date=D(2020, 6, 15),
        grant_date=D(2022, 1, 1),
    )
    assert d.deadlines_for(lapsed, D(2024, 1, 1)) == []


def test_a_fee_in_its_grace_is_still_listed_with_the_next_one_ahead():
    facts = patent(D(2018, 3, 10), D(2020, 1, 2))
    listed = fees(facts, D(2025, 8, 1))
    assert [fee.original_due_on for fee in listed] == [D(2025, 3, 10), D(2026, 3, 10)]


def test_surcharge_grows_by_month_of_grace():
    [fee] = fees(patent(D(2016, 2, 29), D(2018, 6, 1)), D(2025, 1, 10))
    assert [(s.month, s.until, s.percent) for s in fee.surcharges] == [
        (1, D(2025, 3, 28), 0),
        (2, D(2025, 4, 28), 5),
        (3, D(2025, 5, 28), 10),
        (4, D(2025, 6, 30), 15),  # 28 June 2025 is a Saturday
        (5, D(2025, 7, 28), 20),
        (6, D(2025, 8, 28), 25),
    ]
    assert fee.grace_ends_on == D(2025, 8, 28)
    assert fee.surcharge_percent(D(2025, 2, 28)) == 0
    assert fee.surcharge_percent(D(2025, 3, 28)) == 0
    assert fee.surcharge_percent(D(2025, 3, 29)) == 5
    assert fee.surcharge_percent(D(2025, 7, 1)) == 20
    assert fee.surcharge_percent(D(2025, 8, 28)) == 25
    assert fee.surcharge_percent(D(2025, 8, 29)) is None


@pytest.mark.parametrize(
    ("patent_type", "filing", "expiry"),
    [
        (d.INVENTION, D(2010, 5, 20), D(2030, 5, 19)),
        (d.UTILITY_MODEL, D(2010, 5, 20), D(2020, 5, 19)),
        (d.DESIGN, D(2021, 5, 31), D(2031, 5, 30)),
        (d.DESIGN, D(2021, 6, 1), D(2036, 5, 31)),
        (d.INVENTION, D(2004, 2, 29), D(2024, 2, 28)),
    ],
)
def test_patent_expiry_by_type(patent_type, filing, expiry):
    assert d.patent_expiry(patent_type, filing) == expiry


def test_expiry_is_not_moved_by_holidays_and_fees_stop_at_it():
    facts = patent(D(2015, 10, 2), D(2016, 5, 1), patent_type=d.UTILITY_MODEL)
    specs = d.deadlines_for(facts, D(2025, 1, 2))
    [expiry] = [s for s in specs if s.kind == d.PATENT_EXPIRY]
    assert expiry.due_on == expiry.original_due_on == D(2025, 10, 1)
    # The 2024 fee is in its grace; the 2025 anniversary falls after the expiry.
    assert [(s.original_due_on, s.fee_year) for s in specs if s.kind == d.ANNUAL_FEE] == [
        (D(2024, 10, 2), 10)
    ]


def test_an_adjusted_expiry_replaces_the_computed_one():
    facts = patent(D(2010, 5, 20), D(2012, 1, 1), expiry_override=D(2031, 1, 31))
    specs = d.deadlines_for(facts, D(2030, 6, 1))
    assert [s.original_due_on for s in specs if s.kind == d.PATENT_EXPIRY] == [D(2031, 1, 31)]
    # Without the override the patent would end on 2030-05-19, before this fee.
    assert [s.original_due_on for s in specs if s.kind == d.ANNUAL_FEE] == [D(2030, 5, 20)]


def test_trademark_renewal_window_and_grace():
    facts = d.AssetFacts(ref="t", kind=d.TRADEMARK, registration_date=D(2016, 1, 28))
    [renewal] = d.deadlines_for(facts, D(2025, 1, 1))
    assert renewal.kind == d.TRADEMARK_RENEWAL
    assert renewal.original_due_on == D(2026, 1, 27)
    assert renewal.opens_on == D(2025, 1, 27)
    assert renewal.due_on == D(2026, 1, 27)
    assert renewal.grace_ends_on == D(2026, 7, 27)
    assert not renewal.provisional


def test_a_trademark_expiring_in_the_spring_festival_moves():
    facts = d.AssetFacts(ref="t", kind=d.TRADEMARK, registration_date=D(2016, 2, 17))
    [renewal] = d.deadlines_for(facts, D(2025, 1, 1))
    assert renewal.original_due_on == D(2026, 2, 16)
    assert renewal.due_on == D(2026, 2, 24)


def test_deadlines_in_undeclared_years_are_provisional():
    facts = d.AssetFacts(ref="t", kind=d.TRADEMARK, registration_date=D(2019, 3, 4))
    [renewal] = d.deadlines_for(facts, D(2028, 1, 1))
    assert renewal.original_due_on == D(2029, 3, 3)
    assert renewal.provisional


def test_software_copyrights_have_no_deadlines():
    facts = d.AssetFacts(ref="s", kind=d.SOFTWARE_COPYRIGHT, registration_date=D(2023, 1, 1))
    assert d.deadlines_for(facts, D(2024, 1, 1)) == []


def test_month_and_year_arithmetic_clamps_to_the_month_end():
    assert d.add_months(D(2025, 8, 31), 1) == D(2025, 9, 30)
    assert d.add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert d.add_months(D(2025, 3, 15), -12) == D(2024, 3, 15)
    assert d.add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert d.add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)


# --- Issue #16 -----------------------------------------------------------------------------


def test_defect_05_a_fee_in_grace_stays_when_the_unshifted_grace_end_is_a_holiday():
    # Year-11 fee of a 2016-04-05 filing: nominal 2026-04-05, grace to 2026-10-05 (National
    # Day), moved to 2026-10-08. On 2026-10-05 it is still payable and must be listed.
    facts = patent(D(2016, 4, 5), D(2018, 6, 1))
    listed = fees(facts, D(2026, 10, 5))
    assert listed[0].original_due_on == D(2026, 4, 5)
    assert listed[0].fee_year == 11
    assert listed[0].grace_ends_on == D(2026, 10, 8)
    assert [fee.original_due_on for fee in fees(facts, D(2026, 10, 9))][0] == D(2027, 4, 5)


def test_defect_06_trademark_renewals_roll_forward():
    facts = d.AssetFacts(ref="t", kind=d.TRADEMARK, registration_date=D(2010, 5, 1))
    [renewal] = d.deadlines_for(facts, D(2026, 1, 1))
    assert renewal.original_due_on == D(2030, 4, 30)
    assert renewal.opens_on == D(2029, 4, 30)
    # Within the grace of a term the renewal of that term is still shown.
    [in_grace] = d.deadlines_for(facts, D(2020, 6, 1))
    assert in_grace.original_due_on == D(2020, 4, 30)
    # A recorded renewal (manual expiry) is the base of the next terms.
    renewed = d.AssetFacts(
        ref="t", kind=d.TRADEMARK, registration_date=D(2010, 5, 1), expiry_override=D(2021, 1, 9)
    )
    assert d.deadlines_for(renewed, D(2026, 1, 1))[0].original_due_on == D(2031, 1, 9)


def test_defect_04_expiry_is_information_not_a_task():
    assert not d.is_task(d.PATENT_EXPIRY)
    assert d.is_task(d.ANNUAL_FEE)
    assert d.is_task(d.TRADEMARK_RENEWAL)


@pytest.mark.parametrize("year", range(2000, 2027))
def test_every_in_force_right_has_its_next_task_on_the_board_90_days_ahead(year):
    # Whatever the day, a mark in force has an open renewal (still payable, or the next one),
    # and any fee or renewal falling due within 90 days is among them.
    patent_facts = patent(D(year, 3, 1), D(min(year + 2, 2025), 1, 15), patent_type=d.UTILITY_MODEL)
    mark = d.AssetFacts(ref="t", kind=d.TRADEMARK, registration_date=D(year, 7, 31))
    for offset in range(0, 1200, 23):
        today = D(2026, 1, 1) + datetime.timedelta(days=offset)
        soon = today + datetime.timedelta(days=90)
        for facts in (patent_facts, mark):
            specs = [s for s in d.deadlines_for(facts, today) if d.is_task(s.kind)]
            if facts.kind == d.PATENT:
                expiry = d.patent_expiry(facts.patent_type, facts.filing_date)
                if expiry < soon:
                    continue
                anniversaries = [d.add_years(facts.filing_date, n) for n in range(1, 11)]
            else:
                anniversaries = [
                    d.add_years(facts.registration_date, 10 * n) - datetime.timedelta(days=1)
                    for n in range(1, 5)
                ]
            if facts.kind == d.TRADEMARK:  # a patent's last fee can precede its expiry by a year
                assert any(s.grace_ends_on >= today for s in specs), (facts, today)
            listed = {s.original_due_on for s in specs}
            for nominal in anniversaries:
                if today <= nominal <= soon and nominal > (facts.grant_date or D.min):
                    assert nominal in listed, (facts, today, nominal)
