"""Periodic jobs of the custody workspace. Each is idempotent and safe on two workers at once."""

from celery import shared_task

from custody import actions

# Background portfolio imports: the task lives beside the code that queues it.
from custody.portfolio_io import run_portfolio_import

__all__ = ["run_portfolio_import"]


@shared_task(name="custody.send_deadline_reminders")
def send_deadline_reminders():
    return actions.deadline_reminders_send()


@shared_task(name="custody.flag_missed_deadlines")
def flag_missed_deadlines():
    return actions.deadlines_flag_missed()


@shared_task(name="custody.refresh_deadlines")
def refresh_deadlines():
    return actions.deadlines_refresh_all()
