"""Two (or eight) reminder runs at once on PostgreSQL send each reminder once."""

import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections

from custody import actions
from custody.models import DeadlineReminder
from marketplace.models import Notification
from tests.custody.deadline_helpers import trademark_renewal

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("race tests need PostgreSQL row locks (run with DATABASE_URL)")


def _race(workers):
    """Run the callables at once; return their results (exceptions included)."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait()
            results[index] = work()
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, work)) for i, work in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("runs", [2, 8])
def test_concurrent_reminder_runs_send_each_reminder_once(personas, engagement, settings, runs):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    renewals = [
        trademark_renewal(
            personas.firm, personas.firm_member, registered=datetime.date(2016, 11, day)
        )
        for day in (14, 15, 16)
    ]
    today = max(r.due_on for r in renewals) - datetime.timedelta(days=7)
    with time_machine.travel(today, tick=False):
        results = _race([lambda: actions.deadline_reminders_send(today=today)] * runs)

    assert all(isinstance(result, int) for result in results), results
    assert sum(results) == DeadlineReminder.objects.count() == 3
    # Firm member and agency consultant, once per deadline, in the app and by e-mail.
    assert Notification.objects.filter(kind="deadline_reminder").count() == 6
    assert len(mail.outbox) == 6
