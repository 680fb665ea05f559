"""Celery beat and a worker, against Redis, send reminders and flag missed deadlines.

A real `celery -A config worker -B` subprocess runs on the test database with
the deadline jobs every two seconds; the test waits for their rows. It needs
the PostgreSQL + Redis profile (a separate process cannot see SQLite's
in-memory test database) and is skipped elsewhere.
"""

import datetime
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from custody.models import Deadline, DeadlineReminder
from tests.custody.deadline_helpers import trademark_renewal

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
# Its own Redis database, so that no other worker on the same Redis takes these jobs.
REDIS_DB = 11


@pytest.fixture(autouse=True)
def _postgres_and_redis_only():
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and Redis (run with DATABASE_URL and REDIS_URL)")


def _database_url():
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


def _redis_url():
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{REDIS_DB}"))


def _years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _wait_for(condition, *, timeout, worker):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if worker.poll() is not None:
            return False
        time.sleep(0.5)
    return False


def test_beat_runs_the_reminder_and_missed_deadline_jobs_on_redis(personas, engagement, tmp_path):
    today = timezone.localdate()
    # Due in about ten days: the 30-day reminder is owed.
    soon = trademark_renewal(
        personas.firm,
        personas.firm_member,
        registered=_years_before(today, 10) + datetime.timedelta(days=10),
    )
    # A renewal whose last day (grace included) passed unanswered: the job flags it missed.
    # (An in-force mark rolls on to its current term, so the past renewal is set directly.)
    old = trademark_renewal(
        personas.firm, personas.firm_member, registered=_years_before(today, 10)
    )
    Deadline.objects.filter(pk=old.pk).update(
        due_on=today - datetime.timedelta(days=400),
        original_due_on=today - datetime.timedelta(days=400),
        grace_ends_on=today - datetime.timedelta(days=200),
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": _redis_url(),
        "CUSTODY_DEADLINE_JOB_SECONDS": "2",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-B",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-s",
            str(tmp_path / "beat-schedule"),
            "-n",
            f"deadlines-{uuid.uuid4().hex[:8]}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        done = _wait_for(
            lambda: (
                DeadlineReminder.objects.filter(deadline=soon).exists()
                and Deadline.objects.filter(pk=old.pk, missed_at__isnull=False).exists()
            ),
            timeout=120,
            worker=worker,
        )
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()
    output = (tmp_path / "worker.log").read_text()
    assert done, output[-4000:]
    assert DeadlineReminder.objects.get(deadline=soon).days_before == 30
    old.refresh_from_db()
    assert old.responsible_agency == personas.agency
    assert "custody.send_deadline_reminders" in output
    assert "custody.flag_missed_deadlines" in output
