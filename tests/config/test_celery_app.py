"""Every thread of a process that set Django up queues jobs with the project's Celery app.

Celery's current app is per thread, with a process-wide fallback. Were the project's app
loaded late (say, by the first job queued), a thread that asked for the current app first
would get Celery's own fallback app, whose `.delay` sends to a default broker that no
worker reads: the job is lost without an error.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """
import json, threading, django
django.setup()
seen = {}
def ask():
    from celery import current_app
    from custody.payments import tasks
    seen.update(
        current=current_app.main,
        task=tasks.process_stripe_event.app.main,
        eager=tasks.process_stripe_event.app.conf.task_always_eager,
    )
thread = threading.Thread(target=ask)
thread.start()
thread.join()
print(json.dumps(seen))
"""


def test_a_thread_that_asks_first_gets_the_projects_app():
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    # The embedded default has no broker: jobs run where they are queued.
    assert seen == {"current": "ipcustody", "task": "ipcustody", "eager": True}
