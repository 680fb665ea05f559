"""Run the product as in production: ASGI workers on one port, a Celery worker and beat.

Everything comes from the environment (DATABASE_URL, REDIS_URL, SECRET_KEY, …).
Several web processes need a channel layer they can share, so more than one
worker is refused on the in-memory layer; without Redis there is no broker
either, and the periodic jobs run in this supervising process instead.
The supervisor stops everything when one process dies or on SIGTERM/SIGINT.
"""

import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.management.commands.runlocal import run_schedule_forever

IN_MEMORY_LAYER = "channels.layers.InMemoryChannelLayer"


def uses_in_memory_layer():
    return settings.CHANNEL_LAYERS["default"]["BACKEND"] == IN_MEMORY_LAYER


def process_commands(*, host, port, workers, celery_concurrency, beat_schedule_file):
    """The commands of each process, by name: pure, so the plan can be tested."""
    python = sys.executable
    commands = {
        "web": [
            python, "-m", "uvicorn", "config.asgi:application",
            "--host", host, "--port", str(port), "--workers", str(workers),
            "--proxy-headers", "--no-access-log", "--lifespan", "off",
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

    def handle(self, *args, host, port, workers, celery_concurrency, **options):
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        if workers > 1 and uses_in_memory_layer():
            raise CommandError(
                "More than one web worker needs a shared channel layer: set REDIS_URL, "
                "or serve with --workers 1."
            )
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
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
        processes = {}
        for name, command in commands.items():
            processes[name] = subprocess.Popen(command)  # noqa: S603 — our own interpreter
            self.stdout.write(f"started {name} (pid {processes[name].pid})")
        self.stdout.write(f"serving on http://{host}:{port} with {workers} web worker(s)")

        def request_stop(signum, frame):
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        exited = None
        while not stop.is_set() and exited is None:
            exited = next((n for n, p in processes.items() if p.poll() is not None), None)
            stop.wait(0.5)
        stop.set()
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 20
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        if exited is not None:
            raise CommandError(f"{exited} exited with {processes[exited].returncode}; stopped all.")
