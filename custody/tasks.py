"""Jobs of the custody workspace: background portfolio imports and the periodic jobs. Each is
idempotent and safe on two workers at once."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from custody import actions, portfolio_io


# Background portfolio imports (custody.portfolio_io queues them): a file of at most
# PORTFOLIO_IMPORT_MAX_ROWS rows; past the soft limit the run is marked failed (nothing
# written), past the hard one the worker kills it.
@shared_task(name=portfolio_io.RUN_TASK, soft_time_limit=540, time_limit=600)
def run_portfolio_import(job_id):
    try:
        return portfolio_io.import_job_run(job_id=job_id)
    except SoftTimeLimitExceeded:
        return portfolio_io.import_job_stopped(job_id=job_id)


@shared_task(name="custody.send_deadline_reminders")
def send_deadline_reminders():
    return actions.deadline_reminders_send()


@shared_task(name="custody.flag_missed_deadlines")
def flag_missed_deadlines():
    return actions.deadlines_flag_missed()


@shared_task(name="custody.refresh_deadlines")
def refresh_deadlines():
    return actions.deadlines_refresh_all()
