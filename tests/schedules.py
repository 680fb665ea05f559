"""The in-process scheduler in a test: run it until the jobs it should run have run.

A fixed half-second window failed on a loaded machine, where registering the tasks alone took
longer than that and the loop stopped before its first job.
"""

import threading

from celery.signals import task_postrun

from core.management.commands.runlocal import run_schedule_forever


def run_schedule_until_each_ran(schedule, *, limit=60.0):
    """Run `schedule` until each of its tasks has run once, or `limit` seconds; the names run."""
    expected = {entry["task"] for entry in schedule.values()}
    ran = set()
    stop = threading.Event()

    def finished(sender=None, **kwargs):
        ran.add(sender.name)
        if expected <= ran:
            stop.set()

    task_postrun.connect(finished, weak=False)
    timer = threading.Timer(limit, stop.set)
    timer.start()
    try:
        run_schedule_forever(schedule, stop=stop, tick=0.05, first_delay=0, own_thread=False)
    finally:
        timer.cancel()
        task_postrun.disconnect(finished)
    return ran
