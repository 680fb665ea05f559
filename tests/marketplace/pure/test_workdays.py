import datetime

from hypothesis import given
from hypothesis import strategies as st

from core.workdays import add_workdays, is_workday, next_workday_on_or_after

D = datetime.date


def test_national_day_golden_week_is_skipped():
    # 2025-09-30 (Tue) + 3 working days: 1–8 October are holidays, 11 October is an adjusted working Saturday.
    result = add_workdays(D(2025, 9, 30), 3)
    assert result.day == D(2025, 10, 11)
    assert not result.provisional
    assert not is_workday(D(2025, 10, 3))


def test_adjusted_working_saturday_counts():
    # 2025-09-28 was a Sunday declared a working day before the National Day holiday.
    assert is_workday(D(2025, 9, 28))


def test_plain_week_skips_the_weekend():
    assert add_workdays(D(2025, 11, 14), 3).day == D(2025, 11, 19)  # Fri → Wed


def test_years_beyond_declared_data_are_provisional():
    result = add_workdays(D(2026, 12, 30), 3)
    assert result.provisional
    assert not is_workday(D(2027, 1, 1))  # New Year's Day from the fallback calendar


def test_deadline_on_a_holiday_moves_to_next_working_day():
    assert next_workday_on_or_after(D(2025, 10, 1)).day == D(2025, 10, 9)
    assert next_workday_on_or_after(D(2025, 11, 17)).day == D(2025, 11, 17)


@given(st.dates(min_value=D(2010, 1, 1), max_value=D(2030, 12, 31)), st.integers(0, 20))
def test_result_is_a_working_day_after_start(start, count):
    result = add_workdays(start, count)
    assert is_workday(result.day)
    assert result.day >= start
    if count:
        assert result.day > start
        working_between = sum(
            is_workday(start + datetime.timedelta(days=offset))
            for offset in range(1, (result.day - start).days + 1)
        )
        assert working_between == count
