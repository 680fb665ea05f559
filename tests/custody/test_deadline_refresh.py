"""Issue #16 defects 2, 4 and 5 at the database: the daily refresh keeps every in-force right's
next deadlines on the board, expiry is never missed, and a fee in its grace survives an edit."""

import datetime
from unittest import mock

import chinese_calendar
import pytest
from django.conf import settings

from core import workdays
from core.errors import InvalidTransition
from custody import actions, deadlines, numbers, tasks
from custody.models import Deadline, IPAsset

pytestmark = pytest.mark.django_db

D = datetime.date


def _patent(personas, *, filing, grant, today):
    digits = f"{filing.year}1{filing.month:02d}{filing.day:02d}001"
    number = f"{digits}.{numbers.patent_check_digit(digits)}"
    return actions.asset_create(
        firm=personas.firm,
        by=personas.firm_member,
        fields={
            "kind": IPAsset.Kind.PATENT,
            "number": number,
            "title": "方法",
            "status": IPAsset.Status.IN_FORCE,
            "filing_date": filing,
            "grant_date": grant,
        },
        today=today,
    )


def _fee_dates(asset):
    return sorted(
        asset.deadlines.filter(kind=Deadline.Kind.ANNUAL_FEE).values_list(
            "original_due_on", flat=True
        )
    )


def test_defect_02_deadlines_refresh_keeps_fees_beyond_the_first_window(personas):
    asset = _patent(personas, filing=D(2015, 10, 1), grant=D(2018, 5, 4), today=D(2025, 9, 1))
    assert _fee_dates(asset) == [D(2025, 10, 1), D(2026, 10, 1)]
    # Two years on, without any edit, the daily job brings the next fees onto the board.
    totals = actions.deadlines_refresh_all(today=D(2027, 9, 1))
    assert totals["created"] == 2
    assert _fee_dates(asset)[-2:] == [D(2027, 10, 1), D(2028, 10, 1)]
    # Idempotent: a second run writes nothing.
    assert actions.deadlines_refresh_all(today=D(2027, 9, 1)) == {
        "assets": 1,
        "created": 0,
        "updated": 0,
        "removed": 0,
    }


def test_defect_02_refresh_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-deadlines"]
    assert entry["task"] == tasks.refresh_deadlines.name


def test_defect_02_provisional_dates_are_recomputed_when_the_calendar_learns_the_year(
    personas, monkeypatch
):
    asset = _patent(personas, filing=D(2015, 10, 1), grant=D(2018, 5, 4), today=D(2026, 9, 1))
    fee = asset.deadlines.get(original_due_on=D(2027, 10, 1))
    assert fee.provisional  # chinese-calendar does not know 2027 yet
    known = chinese_calendar.is_workday

    def declared(day):
        # The State Council declares 2027 (and on): National Day off 1–7 October.
        if day.year >= 2027:
            return day.weekday() < 5 and not (day.month == 10 and day.day <= 7)
        return known(day)

    monkeypatch.setattr(chinese_calendar, "is_workday", declared)
    workdays._is_workday.cache_clear()
    deadlines.working_day.cache_clear()
    try:
        actions.deadlines_refresh_all(today=D(2026, 9, 2))
    finally:
        monkeypatch.undo()
        workdays._is_workday.cache_clear()
        deadlines.working_day.cache_clear()
    fee.refresh_from_db()
    assert (fee.due_on, fee.provisional) == (D(2027, 10, 8), False)


def test_defect_02_missed_and_past_deadlines_are_not_removed_by_the_refresh(personas):
    asset = _patent(personas, filing=D(2015, 10, 1), grant=D(2018, 5, 4), today=D(2025, 9, 1))
    actions.deadlines_flag_missed(today=D(2026, 4, 10))
    missed = asset.deadlines.get(original_due_on=D(2025, 10, 1))
    assert missed.missed_at is not None
    actions.deadlines_refresh_all(today=D(2026, 5, 1))
    assert asset.deadlines.filter(pk=missed.pk).exists()


def test_defect_04_patent_expiry_is_never_flagged_missed(personas):
    asset = _patent(
        personas,
        filing=D(2006, 3, 1),
        grant=D(2008, 1, 15),
        today=D(2026, 2, 1),
    )
    expiry = asset.deadlines.get(kind=Deadline.Kind.PATENT_EXPIRY)
    assert expiry.due_on == D(2026, 2, 28)
    actions.deadlines_flag_missed(today=D(2026, 3, 2))
    expiry.refresh_from_db()
    assert expiry.missed_at is None
    with pytest.raises(InvalidTransition) as refused:
        actions.deadline_mark_done(deadline=expiry, by=personas.firm_member)
    assert refused.value.code == "deadline_not_a_task"


def test_defect_05_editing_an_asset_keeps_a_fee_in_its_holiday_shifted_grace(personas):
    asset = _patent(personas, filing=D(2016, 4, 5), grant=D(2018, 6, 1), today=D(2026, 10, 5))
    fee = asset.deadlines.get(original_due_on=D(2026, 4, 5))
    assert fee.grace_ends_on == D(2026, 10, 8)
    actions.asset_update(
        asset=asset, by=personas.firm_member, changes={"title": "新名称"}, today=D(2026, 10, 6)
    )
    assert asset.deadlines.filter(pk=fee.pk, done_at__isnull=True).exists()


def test_refresh_task_calls_the_action():
    with mock.patch.object(actions, "deadlines_refresh_all", return_value={"assets": 0}) as call:
        assert tasks.refresh_deadlines() == {"assets": 0}
    call.assert_called_once_with()
