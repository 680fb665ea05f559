"""Run the product as in production: ASGI workers on one port, a Celery worker and beat.

Everything comes from the environment (DATABASE_URL, REDIS_URL, SECRET_KEY, …).
Several web processes need a channel layer they can share, so more than one
worker is refused on the in-memory layer; without Redis there is no broker
either, and the periodic jobs run in this supervising process instead.
A process that dies is restarted alone, with back-off (core.supervisor): the web
workers keep serving while the Celery worker comes back.

A restart with nothing new to release answers in seconds: `migrate` runs only when a
migration file on disk is not recorded as applied (finding that out by `migrate`
itself means running every system check and importing every app's migrations), and
static files are collected only when their sources changed (collectstatic_release). SIGTERM/SIGINT stops all:
uvicorn drains the requests in flight, the worker finishes or returns its tasks.
"""

import http.client
import importlib.util
import os
import signal
import sys
import threading
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import DatabaseError

from core.management.commands.runlocal import run_schedule_forever
from core.supervisor import Supervisor

IN_MEMORY_LAYER = "channels.layers.InMemoryChannelLayer"
# How long a stop waits for requests and tasks in flight before killing what is left.
GRACE_SECONDS = 30
# The Celery processes start once the web answers, or after this long at most.
WEB_FIRST_SECONDS = 20
# Database connections each web worker keeps open for its requests (PostgreSQL only).
WEB_POOL_SIZE = 10


def uses_in_memory_layer():
    return settings.CHANNEL_LAYERS["default"]["BACKEND"] == IN_MEMORY_LAYER


def web_answers(host, port):
    """True once a web worker answers HTTP (uvicorn's parent accepts before they boot)."""
    address = "127.0.0.1" if host in {"0.0.0.0", ""} else host  # noqa: S104 — a bind address
    client = http.client.HTTPConnection(address, port, timeout=1)
    try:
        client.request("GET", "/healthz")
        client.getresponse().read()
    except (OSError, http.client.HTTPException):
        return False
    finally:
        client.close()
    return True


def migration_files():
    """(app label, migration name) of every migration file on disk, read by name only."""
    found = set()
    for app_config in apps.get_app_configs():
        module = settings.MIGRATION_MODULES.get(app_config.label, f"{app_config.name}.migrations")
        if module is None:
            continue
        try:
            spec = importlib.util.find_spec(module)
        except ModuleNotFoundError:
            continue
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            for path in Path(location).glob("*.py"):
                if path.stem != "__init__":
                    found.add((app_config.label, path.stem))
    return found


def migrations_pending(connection=None):
    """Whether a migration file on disk is not recorded as applied (or the record unreadable)."""
    recorder = MigrationRecorder(connection or connections[DEFAULT_DB_ALIAS])
    try:
        if not recorder.has_table():
            return True
        applied = set(recorder.applied_migrations())
    except DatabaseError:
        return True
    return bool(migration_files() - applied)


def process_commands(*, host, port, workers, celery_concurrency, beat_schedule_file):
    """The commands of each process, by name: pure, so the plan can be tested."""
    python = sys.executable
    commands = {
        "web": [
            python, "-m", "uvicorn", "config.asgi:application",
            "--host", host, "--port", str(port), "--workers", str(workers),
            "--proxy-headers", "--no-access-log", "--lifespan", "off",
            "--timeout-graceful-shutdown", str(GRACE_SECONDS - 5),
        ],
    }  # fmt: skip
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        commands["worker"] = [
            python, "-m", "celery", "-A", "config", "worker",
            "--loglevel", "INFO", "--concurrency", str(celery_concurrency),
        ]  # fmt: skip
        commands["beat"] = [
            python, "-m", "celery", "-A", "config", "beat",
            "--loglevel", "INFO", "--schedule", str(beat_schedule_file),
        ]  # fmt: skip
    return commands


def process_environ(*, pool_size):
    """Variables each process gets on top of serve's own environment: pure, like the plan.

    The web workers keep their database connections in a pool (DATABASE_POOL_SIZE, see
    config/settings.py) unless the environment chose a size already. uvicorn spawns its
    workers afresh, so no pool is ever inherited across a fork; the Celery worker forks its
    pool processes, so it and beat connect per job as before.
    """
    if os.environ.get("DATABASE_POOL_SIZE", "").strip():
        return {}
    return {"web": {"DATABASE_POOL_SIZE": str(pool_size)}}


class Command(BaseCommand):
    help = "Serve in production mode: ASGI workers behind one port, Celery worker and beat."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2"))
        )
        parser.add_argument(
            "--celery-concurrency",
            type=int,
            default=int(os.environ.get("CELERY_CONCURRENCY", "2")),
        )
        parser.add_argument(
            "--no-release",
            action="store_true",
            help="Skip migrate and collectstatic (a separate release step ran them).",
        )

    def handle(self, *args, host, port, workers, celery_concurrency, no_release, **options):
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        if workers > 1 and uses_in_memory_layer():
            raise CommandError(
                "More than one web worker needs a shared channel layer: set REDIS_URL, "
                "or serve with --workers 1."
            )
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        if not no_release:
            # In this process rather than as `make` steps: each Django start costs seconds.
            started = time.monotonic()
            if migrations_pending():
                call_command("migrate", interactive=False, verbosity=0)
                self.stdout.write("migrations applied")
            else:
                self.stdout.write("migrations up to date: migrate skipped")
            call_command("collectstatic_release", verbosity=1)
            connections.close_all()
            self.stdout.write(f"release steps took {time.monotonic() - started:.1f} s")
        commands = process_commands(
            host=host,
            port=port,
            workers=workers,
            celery_concurrency=celery_concurrency,
            beat_schedule_file=settings.VAR_DIR / "celerybeat-schedule",
        )
        stop = threading.Event()
        if settings.CELERY_TASK_ALWAYS_EAGER:
            threading.Thread(
                target=run_schedule_forever,
                args=(settings.CELERY_BEAT_SCHEDULE,),
                kwargs={"stop": stop},
                name="periodic-jobs",
                daemon=True,
            ).start()
        supervisor = Supervisor(
            commands,
            environ=process_environ(pool_size=WEB_POOL_SIZE),
            grace=GRACE_SECONDS,
            out=lambda line: self.stdout.write(line),
        )

        def request_stop(signum, frame):
            stop.set()
            supervisor.stop()

        previous_handlers = {
            signum: signal.signal(signum, request_stop)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            # The web first: on a busy machine the Celery processes' start-up would slow it.
            supervisor.start(["web"])
            supervisor.run(until=lambda: web_answers(host, port), timeout=WEB_FIRST_SECONDS)
            supervisor.start()
            self.stdout.write(f"serving on http://{host}:{port} with {workers} web worker(s)")
            supervisor.run()
        finally:
            # The periodic jobs end with the command, however it ends.
            stop.set()
            for signum, handler in previous_handlers.items():
                signal.signal(signum, handler)
        self.stdout.write("stopped")
