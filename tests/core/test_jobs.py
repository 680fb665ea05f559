"""Celery loads with the first job queued (core.jobs), not with every process (#15)."""

import json
import subprocess
import sys
from pathlib import Path

from celery.schedules import crontab
from django.conf import settings

from config.celery import app
from core import jobs

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(code):
    """The Celery modules loaded once `code` ran in a new process with Django set up."""
    program = (
        "import json, sys, django; django.setup();"
        f"{code};"
        "print(json.dumps(sorted(name for name in ('celery.app', 'kombu', 'core.tasks')"
        " if name in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_process_that_queues_nothing_loads_no_celery():
    # The outbox holds a stand-in for core.tasks: importing it loads neither.
    assert _modules_after("import core.actions.outbox") == []


def test_the_first_use_of_a_tasks_module_loads_the_app_then_the_module():
    # The task is bound to the project's app (its settings: eager without a broker).
    code = (
        "from core.actions import outbox; task = outbox.tasks.send_outbox_message;"
        "assert task.app.main == 'ipcustody', task.app.main;"
        "assert task.app.conf.task_always_eager"
    )
    assert _modules_after(code) == ["celery.app", "core.tasks", "kombu"]


def test_the_stand_in_reads_the_modules_own_names(monkeypatch):
    from core import tasks

    stand_in = jobs.tasks_module("core.tasks")
    monkeypatch.setattr(tasks, "send_outbox_message", "patched")

    assert stand_in.send_outbox_message == "patched"
    assert jobs.app() is app


def test_the_monthly_schedule_is_a_crontab_for_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["send-monthly-summaries"]
    plan = app.conf.beat_schedule["send-monthly-summaries"]["schedule"]

    assert entry["schedule"] == {"minute": 0, "hour": 8, "day_of_month": 1}
    assert plan == crontab(minute=0, hour=8, day_of_month=1)
    # Interval entries stay seconds.
    assert app.conf.beat_schedule["flush-outbox"]["schedule"] == 60.0
