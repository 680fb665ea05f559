"""Two (or eight) reminder runs at once on PostgreSQL send each reminder once."""

import datetime

import pytest
import time_machine
from django.core import mail

from core.models import Notification
from custody import actions
from custody.models import DeadlineReminder
from tests.custody.deadline_helpers import trademark_renewal
from tests.races import RACE_MARKS, postgres_only, race  # noqa: F401 (autouse fixture)

pytestmark = RACE_MARKS


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
        results = race([lambda: actions.deadline_reminders_send(today=today)] * runs)

    assert all(isinstance(result, int) for result in results), results
    assert sum(results) == DeadlineReminder.objects.count() == 3
    # Firm member and agency consultant, once per deadline, in the app and by e-mail.
    assert Notification.objects.filter(kind="deadline_reminder").count() == 6
    assert len(mail.outbox) == 6
