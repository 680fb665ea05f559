import os

from celery import Celery
from celery.signals import beat_init, worker_init
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ipcustody")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def lower_priority(**kwargs):
    """Run the worker (its pool processes inherit it) and beat nicer than the web, by
    settings.BACKGROUND_NICENESS: a job's CPU then waits for requests, not the reverse."""
    if settings.BACKGROUND_NICENESS:
        os.nice(settings.BACKGROUND_NICENESS)


worker_init.connect(lower_priority, dispatch_uid="ipcustody-nice")
beat_init.connect(lower_priority, dispatch_uid="ipcustody-nice")
