import datetime
import threading

import pytest
import time_machine

from core.management.commands.runlocal import run_schedule_forever
from marketplace import actions
from marketplace.models import Offer
from tests.marketplace.conftest import NOW
from tests.schedules import run_schedule_until_each_ran

pytestmark = pytest.mark.django_db


def test_beat_schedule_names_registered_tasks(settings):
    from celery import current_app

    current_app.loader.import_default_modules()  # what a worker does on start
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in current_app.tasks


def test_in_process_scheduler_runs_the_expiry_job(personas, programme, settings):
    with time_machine.travel(NOW, tick=False):
        request = actions.request_submit(
            firm=personas.firm,
            by=personas.firm_member,
            programme_year=programme,
            quotas=programme.standard_quotas,
        )
        offer = actions.offer_make(request=request, agency=personas.agency, by=personas.firm_member)
    schedule = {"expire": settings.CELERY_BEAT_SCHEDULE["expire-overdue-offers"]}
    with time_machine.travel(NOW + datetime.timedelta(days=10), tick=False):
        assert run_schedule_until_each_ran(schedule) == {"marketplace.expire_overdue_offers"}
    offer.refresh_from_db()
    assert offer.status == Offer.Status.EXPIRED


def test_in_process_scheduler_leaves_a_crontab_job_until_its_time(personas, programme):
    from celery.schedules import crontab

    with time_machine.travel(NOW, tick=False):
        request = actions.request_submit(
            firm=personas.firm,
            by=personas.firm_member,
            programme_year=programme,
            quotas=programme.standard_quotas,
        )
        offer = actions.offer_make(request=request, agency=personas.agency, by=personas.firm_member)
    stop = threading.Event()
    # Due at midnight on the first of the month; the run below is mid-month.
    monthly = {
        "expire": {
            "task": "marketplace.expire_overdue_offers",
            "schedule": crontab(minute=0, hour=0, day_of_month=1),
        }
    }
    with time_machine.travel(NOW + datetime.timedelta(days=10), tick=False):
        timer = threading.Timer(0.5, stop.set)
        timer.start()
        run_schedule_forever(monthly, stop=stop, tick=0.1, first_delay=0, own_thread=False)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING
