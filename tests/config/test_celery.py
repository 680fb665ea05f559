"""Celery's delivery settings: a task killed with its process is delivered again."""

from django.conf import settings

from config.celery import app


def test_tasks_are_acknowledged_late_requeued_on_worker_loss_and_taken_one_at_a_time():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_a_vanished_workers_tasks_come_back_only_after_the_longest_job_could_have_ended():
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility == settings.CELERY_VISIBILITY_TIMEOUT
    assert visibility > app.conf.task_time_limit > app.conf.task_soft_time_limit > 0
