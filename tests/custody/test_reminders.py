"""Reminders at the programme's day marks, and missed deadlines charged to the custody agency."""

import datetime

import pytest
import time_machine

from core.models import AuditEvent, Notification
from core.notices import notification_text
from custody import actions, reminders, tasks
from custody.models import Deadline, DeadlineReminder
from tests.custody.deadline_helpers import trademark_renewal
from tests.schedules import run_schedule_until_each_ran

pytestmark = pytest.mark.django_db
days = datetime.timedelta


# --- Pure rules --------------------------------------------------------------------------

DUE = datetime.date(2026, 6, 30)
MARKS = (90, 30, 7, 1)


@pytest.mark.parametrize(
    ("days_left", "sent", "owed"),
    [
        (120, (), None),  # no mark reached yet
        (90, (), 90),
        (89, (), 90),  # a day late after an outage: still the 90-day one
        (30, (90,), 30),
        (29, (90, 30), None),  # already sent
        (5, (), 7),  # after a long outage only the most recent mark goes out
        (5, (90,), 7),
        (1, (90, 30, 7), 1),
        (0, (), None),  # the due day itself: the board and the missed flag take over
        (-3, (), None),
        (20, (7,), None),  # a later mark was sent (days changed): never go backwards
    ],
)
def test_reminder_owed_is_the_most_recent_mark_reached(days_left, sent, owed):
    assert reminders.reminder_owed(DUE, MARKS, DUE - days(days_left), sent) == owed


def test_reminder_days_come_from_the_engagement_then_the_open_year_then_the_default():
    assert reminders.reminder_days_of([14, 60], [90]) == (60, 14)
    assert reminders.reminder_days_of(None, [45, 3]) == (45, 3)
    assert reminders.reminder_days_of(None, None) == (90, 30, 7, 1)


def test_the_agency_active_now_answers_for_a_missed_deadline():
    day = datetime.date(2026, 5, 1)
    old = reminders.Custody(1, False, datetime.date(2025, 1, 1), datetime.date(2026, 12, 31), 2025)
    active = reminders.Custody(2, True, datetime.date(2026, 3, 1), datetime.date(2027, 3, 1), 2026)
    assert reminders.responsible_agency([old, active], day) == 2
    assert reminders.responsible_agency([old], day) == 1
    assert reminders.responsible_agency([old], datetime.date(2027, 5, 1)) is None
    assert reminders.responsible_agency([], day) is None


# --- Sending reminders -------------------------------------------------------------------


@pytest.fixture
def renewal(personas, engagement):
    """A renewal of Alice's firm, in the custody of `agency` (2026 programme, default marks)."""
    return trademark_renewal(
        personas.firm, personas.firm_member, registered=datetime.date(2016, 11, 14)
    )


def _send(on, django_capture_on_commit_callbacks):
    with time_machine.travel(on, tick=False), django_capture_on_commit_callbacks(execute=True):
        return actions.deadline_reminders_send(today=on)


def test_a_reminder_goes_to_the_firm_and_the_agency_once(
    personas, renewal, mailoutbox, django_capture_on_commit_callbacks
):
    on = renewal.due_on - days(30)
    assert _send(on, django_capture_on_commit_callbacks) == 1
    assert _send(on, django_capture_on_commit_callbacks) == 0
    assert _send(on + days(1), django_capture_on_commit_callbacks) == 0

    reminder = DeadlineReminder.objects.get()
    assert (reminder.deadline, reminder.days_before, reminder.recipients) == (renewal, 30, 2)
    notices = Notification.objects.filter(kind="deadline_reminder")
    assert {n.user for n in notices} == {personas.firm_member, personas.agency_consultant}
    assert notices[0].params["days_left"] == 30
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [personas.firm_member.email, personas.agency_consultant.email]
    )
    assert "Trademark renewal" in mailoutbox[0].body
    assert "in 30 days" in mailoutbox[0].body
    # Rivals and other firms hear nothing.
    assert not Notification.objects.filter(
        user__in=[personas.rival_consultant, personas.other_firm_member]
    ).exists()


def test_each_mark_is_sent_in_turn(renewal, django_capture_on_commit_callbacks):
    for left in (90, 60, 30, 8, 7, 1, 0):
        _send(renewal.due_on - days(left), django_capture_on_commit_callbacks)
    assert sorted(renewal.reminders.values_list("days_before", flat=True)) == [1, 7, 30, 90]


def test_catching_up_sends_only_the_most_recent_mark(renewal, django_capture_on_commit_callbacks):
    assert _send(renewal.due_on - days(5), django_capture_on_commit_callbacks) == 1
    assert list(renewal.reminders.values_list("days_before", flat=True)) == [7]
    notice = Notification.objects.filter(kind="deadline_reminder").first()
    assert notice.params["days_left"] == 5


def test_the_engagement_programme_sets_the_marks(
    renewal, programme, django_capture_on_commit_callbacks
):
    programme.reminder_days = [14]
    programme.save()
    assert _send(renewal.due_on - days(30), django_capture_on_commit_callbacks) == 0
    assert _send(renewal.due_on - days(14), django_capture_on_commit_callbacks) == 1
    assert renewal.reminders.get().days_before == 14


def test_without_custody_the_open_year_sets_the_marks_and_only_the_firm_hears(
    personas, programme, django_capture_on_commit_callbacks
):
    programme.reminder_days = [45]
    programme.save()
    renewal = trademark_renewal(
        personas.firm, personas.firm_member, registered=datetime.date(2016, 11, 14)
    )
    on = renewal.due_on - days(45)
    assert programme.is_open_on(on)
    assert _send(on, django_capture_on_commit_callbacks) == 1
    reminder = renewal.reminders.get()
    assert (reminder.days_before, reminder.recipients) == (45, 1)


def test_done_deadlines_are_not_reminded(personas, renewal, django_capture_on_commit_callbacks):
    actions.deadline_mark_done(deadline=renewal, by=personas.firm_member, note="renewed")
    assert _send(renewal.due_on - days(7), django_capture_on_commit_callbacks) == 0


# --- Missed deadlines --------------------------------------------------------------------


def test_a_deadline_past_its_grace_is_missed_by_the_custody_agency(
    personas, renewal, django_capture_on_commit_callbacks
):
    last = renewal.grace_ends_on
    with time_machine.travel(last, tick=False):
        assert actions.deadlines_flag_missed(today=last) == 0
    with (
        time_machine.travel(last + days(1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert actions.deadlines_flag_missed(today=last + days(1)) == 1
        assert actions.deadlines_flag_missed(today=last + days(2)) == 0

    renewal.refresh_from_db()
    assert renewal.missed_at is not None
    assert renewal.responsible_agency == personas.agency
    event = AuditEvent.objects.get(action="deadline.missed")
    assert event.firm_id == personas.firm.pk and event.to_state == "missed"
    notices = Notification.objects.filter(kind="deadline_missed")
    assert {n.user for n in notices} == {personas.firm_member, personas.agency_consultant}
    assert "was missed" in notification_text(notices[0].kind, notices[0].params)


def test_missed_without_custody_is_charged_to_nobody(personas, programme):
    renewal = trademark_renewal(
        personas.firm, personas.firm_member, registered=datetime.date(2016, 11, 14)
    )
    assert actions.deadlines_flag_missed(today=renewal.grace_ends_on + days(1)) == 1
    renewal.refresh_from_db()
    assert renewal.missed_at is not None and renewal.responsible_agency is None


def test_done_deadlines_are_never_missed(personas, renewal):
    actions.deadline_mark_done(deadline=renewal, by=personas.agency_consultant)
    assert actions.deadlines_flag_missed(today=renewal.grace_ends_on + days(30)) == 0
    assert not Deadline.objects.filter(missed_at__isnull=False).exists()


# --- The periodic jobs -------------------------------------------------------------------


def test_both_jobs_are_scheduled_and_registered(settings):
    from celery import current_app

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"custody.send_deadline_reminders", "custody.flag_missed_deadlines"} <= scheduled
    assert tasks.send_deadline_reminders.name in current_app.tasks
    assert tasks.flag_missed_deadlines.name in current_app.tasks


def test_the_in_process_scheduler_runs_both_jobs(renewal, settings):
    schedule = {
        name: entry
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"].startswith("custody.")
    }
    # The day the 30-day mark is reached; a second deadline of the same firm is long missed.
    old = trademark_renewal(
        renewal.firm, None, registered=datetime.date(2014, 1, 6), today=datetime.date(2023, 9, 1)
    )
    with time_machine.travel(renewal.due_on - days(30), tick=False):
        ran = run_schedule_until_each_ran(schedule)
    assert ran == {entry["task"] for entry in schedule.values()}
    assert renewal.reminders.get().days_before == 30
    old.refresh_from_db()
    assert old.missed_at is not None
