"""The project's Celery app, loaded by the worker (`celery -A config`) and by core.jobs when
a process first queues a job."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init, worker_init
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ipcustody")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _schedule(value):
    """A beat entry's schedule as the settings write it (seconds, or crontab's fields in a
    dict, so that the settings need not import Celery) as Celery reads it."""
    return crontab(**value) if isinstance(value, dict) else value


app.conf.beat_schedule = {
    name: {**entry, "schedule": _schedule(entry["schedule"])}
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
}


def lower_priority(**kwargs):
    """Run the worker (its pool processes inherit it) and beat nicer than the web, by
    settings.BACKGROUND_NICENESS: a job's CPU then waits for requests, not the reverse."""
    if settings.BACKGROUND_NICENESS:
        os.nice(settings.BACKGROUND_NICENESS)


worker_init.connect(lower_priority, dispatch_uid="ipcustody-nice")
beat_init.connect(lower_priority, dispatch_uid="ipcustody-nice")
