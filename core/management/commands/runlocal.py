"""Serve HTTP and WebSocket for development, with the periodic jobs run in-process.

On the embedded default there is no Celery beat; a daemon thread runs the
entries of CELERY_BEAT_SCHEDULE at their intervals instead. With REDIS_URL set,
Celery beat and workers do that job and this thread is not started.
"""

import logging
import threading
import time

from celery import current_app
from celery.schedules import crontab, maybe_schedule
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import autoreload

logger = logging.getLogger(__name__)


def _next_check(plan, last_run_at, now_monotonic):
    """Seconds until `plan` (a Celery schedule: interval or crontab) should be asked again."""
    is_due, next_in = plan.is_due(last_run_at)
    return is_due, now_monotonic + max(float(next_in), 0.0)


def run_schedule_forever(schedule, *, stop, tick=5.0, first_delay=10.0, own_thread=True):
    """Call each scheduled task when its schedule says so, until `stop` is set.

    Interval entries (seconds) first run `first_delay` after start, as beat would
    after a restart; crontab entries run at their times only.
    In its own thread it closes its database connections after each job, as a
    request would; called from a thread that owns an open transaction it must not.
    """
    plans = {
        name: maybe_schedule(entry["schedule"], app=current_app) for name, entry in schedule.items()
    }
    # As a Celery worker does on start: register every app's tasks before looking them up.
    current_app.loader.import_default_modules()
    started = time.monotonic()
    last_run = dict.fromkeys(schedule, current_app.now())
    due = {
        name: started + (first_delay if not isinstance(plan, crontab) else 0.0)
        for name, plan in plans.items()
    }
    first = {name for name, plan in plans.items() if not isinstance(plan, crontab)}
    while not stop.is_set():
        now = time.monotonic()
        for name, entry in schedule.items():
            if now < due[name]:
                continue
            if name in first:
                first.discard(name)
                run_now, due[name] = True, now + plans[name].seconds
            else:
                run_now, due[name] = _next_check(plans[name], last_run[name], now)
            if not run_now:
                continue
            last_run[name] = current_app.now()
            try:
                result = current_app.tasks[entry["task"]].apply().get()
                logger.info("periodic job %s: %s", entry["task"], result)
            except Exception:
                logger.exception("periodic job %s failed", entry["task"])
            finally:
                if own_thread:
                    close_old_connections()
        stop.wait(tick)


class Command(BaseCommand):
    help = (
        "Serve HTTP and WebSocket (uvicorn, reloading on code changes) with the periodic jobs "
        "in-process on the embedded default."
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--noreload", action="store_true")

    def handle(self, *args, addrport, noreload, **options):
        host, _, port = addrport.rpartition(":")
        host, port = host or "127.0.0.1", int(port)
        if noreload:
            self.inner_run(host, port)
        else:
            # As runserver does: a parent process watches the code and restarts this one.
            autoreload.run_with_reloader(self.inner_run, host, port)

    def inner_run(self, host, port):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            stop = threading.Event()
            thread = threading.Thread(
                target=run_schedule_forever,
                args=(settings.CELERY_BEAT_SCHEDULE,),
                kwargs={"stop": stop},
                name="periodic-jobs",
                daemon=True,
            )
            thread.start()
        self.stdout.write(f"Serving on http://{host}:{port}/ (Ctrl-C stops)")
        # The server is imported here, when serving, so that no other command pays for it.
        import uvicorn

        uvicorn.run(
            "config.asgi:application",
            host=host,
            port=port,
            lifespan="off",
            log_level="info",
            # One process: the in-memory channel layer and the jobs thread live in it.
            workers=1,
        )
