"""A small process supervisor: restart only the child that died, stop all cleanly.

`manage.py serve` runs the web server, the Celery worker and beat under it. A child
that exits is started again after a back-off that doubles on each quick death (1 s,
2 s, 4 s … up to `max_backoff`) and resets once the child has stayed up for
`stable_after` seconds, so a crash loop does not spin and a one-off crash costs a
second. The other children are never touched: killing the Celery worker leaves the
web workers serving.

On `stop()` every child gets SIGTERM at once (uvicorn finishes the requests in flight,
a Celery worker finishes its tasks or, with late acknowledgement, leaves them to be
redelivered) and is killed only if it is still there after `grace` seconds.
"""

import logging
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass
class Child:
    name: str
    command: list
    # Variables set for this child on top of the supervisor's own environment.
    environ: dict = field(default_factory=dict)
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = 0.0
    restart_at: float | None = None
    restarts: int = 0
    history: list = field(default_factory=list)


class Supervisor:
    def __init__(
        self,
        commands,
        *,
        environ=None,
        min_backoff=1.0,
        max_backoff=30.0,
        stable_after=60.0,
        grace=25.0,
        tick=0.2,
        popen=subprocess.Popen,
        out=None,
    ):
        environ = environ or {}
        self.children = {
            name: Child(name, command, dict(environ.get(name, {})))
            for name, command in commands.items()
        }
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.stable_after = stable_after
        self.grace = grace
        self.tick = tick
        self._popen = popen
        self._out = out or (lambda message: logger.info("%s", message))
        self.stopping = threading.Event()

    def _start(self, child):
        if child.environ:
            child.process = self._popen(child.command, env={**os.environ, **child.environ})
        else:
            child.process = self._popen(child.command)
        child.started_at = time.monotonic()
        child.restart_at = None
        child.history.append(child.process.pid)
        self._out(f"started {child.name} (pid {child.process.pid})")

    def start(self, names=None):
        """Start the named children (all by default) that are not started yet."""
        for name, child in self.children.items():
            if (names is None or name in names) and child.process is None:
                self._start(child)

    def check_once(self, now=None):
        """Restart the children that are due; note the ones that just died. Returns deaths."""
        now = time.monotonic() if now is None else now
        deaths = []
        for child in self.children.values():
            if child.process is None:
                continue
            if child.restart_at is not None:
                if now >= child.restart_at and not self.stopping.is_set():
                    child.restarts += 1
                    self._start(child)
                continue
            code = child.process.poll()
            if code is None:
                continue
            deaths.append((child.name, code))
            lived = now - child.started_at
            if lived >= self.stable_after:
                child.backoff = self.min_backoff
            else:
                child.backoff = min(self.max_backoff, max(self.min_backoff, child.backoff * 2))
            child.restart_at = now + child.backoff
            self._out(
                f"{child.name} (pid {child.process.pid}) exited with {code} after "
                f"{lived:.1f} s; restarting in {child.backoff:.0f} s"
            )
        return deaths

    def run(self, *, until=None, timeout=None):
        """Supervise until `stop()` is called (from a signal handler or another thread).

        With `until` (a callable), return early once it is true or `timeout` has passed,
        without shutting down: used to start the web first and the rest once it answers.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.stopping.is_set():
            self.check_once()
            if until is not None and (until() or time.monotonic() >= deadline):
                return
            self.stopping.wait(self.tick)
        self.shutdown()

    def stop(self, *_):
        self.stopping.set()

    def shutdown(self):
        running = [
            child.process
            for child in self.children.values()
            if child.process is not None and child.process.poll() is None
        ]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._out(f"pid {process.pid} still running after {self.grace:.0f} s; killing it")
                process.kill()
                process.wait()
