"""Periodic jobs of the reporting layer. Each is idempotent and safe on two workers at once."""

from celery import shared_task

from reporting import summaries


@shared_task(name="reporting.send_monthly_summaries")
def send_monthly_summaries():
    return summaries.send_monthly_summaries()
