"""Periodic jobs of the reporting layer. Each is idempotent and safe on two workers at once."""

from celery import shared_task
from django.conf import settings
from django.utils import translation

from marketplace.models import User
from reporting import snapshots, summaries


@shared_task(name="reporting.send_monthly_summaries")
def send_monthly_summaries():
    return summaries.send_monthly_summaries()


@shared_task(name="reporting.refresh_dashboard_snapshots")
def refresh_dashboard_snapshots():
    """The dashboards' figures recomputed after changes (debounced) and every minute."""
    return snapshots.refresh_stale()


@shared_task(name="reporting.prime_dashboard_snapshots")
def prime_dashboard_snapshots(user_id, language=None):
    """Queued at a manager's or officer's sign-in: their dashboards' figures made ready, in
    the language the person signed in with."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return 0
    with translation.override(language or settings.LANGUAGE_CODE):
        return snapshots.prime(user)
