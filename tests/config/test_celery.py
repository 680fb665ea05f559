"""Celery's delivery settings: a task killed with its process is delivered again."""

from celery.signals import beat_init, worker_init
from django.conf import settings

from config import celery
from config.celery import app


def test_tasks_are_acknowledged_late_requeued_on_worker_loss_and_taken_one_at_a_time():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_a_vanished_workers_tasks_come_back_only_after_the_longest_job_could_have_ended():
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility == settings.CELERY_VISIBILITY_TIMEOUT
    assert visibility > app.conf.task_time_limit > app.conf.task_soft_time_limit > 0


def test_the_worker_and_beat_start_nicer_than_the_web(monkeypatch, settings):
    # Connected to the signals each sends once at its start (sent here, the Django fixup's
    # receivers would close the test's database connection).
    for signal in (worker_init, beat_init):
        assert celery.lower_priority in signal._live_receivers(sender=None)
    niced = []
    monkeypatch.setattr(celery.os, "nice", niced.append)
    assert settings.BACKGROUND_NICENESS == 10  # CELERY_NICE's default
    celery.lower_priority()
    assert niced == [10]
    settings.BACKGROUND_NICENESS = 0  # CELERY_NICE=0: the web's priority, left alone
    celery.lower_priority()
    assert niced == [10]
