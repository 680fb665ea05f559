"""The supervisor of `manage.py serve`: restart only what died, with back-off; stop cleanly."""

import signal
import sys
import time

import pytest

from core.supervisor import Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
QUITTER = [sys.executable, "-c", "raise SystemExit(3)"]
# Exits 0 on SIGTERM after a short drain, as uvicorn and a Celery worker do.
DRAINER = [
    sys.executable,
    "-c",
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, lambda *a: (time.sleep(0.2), sys.exit(0)))\n"
    "time.sleep(60)",
]
STUBBORN = [
    sys.executable,
    "-c",
    "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\ntime.sleep(60)",
]


def _wait_dead(process, timeout=10):
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is not None


@pytest.fixture
def supervisors():
    made = []

    def make(commands, **options):
        supervisor = Supervisor(commands, out=lambda line: None, **options)
        made.append(supervisor)
        return supervisor

    yield make
    for supervisor in made:
        supervisor.grace = 2
        supervisor.shutdown()


def test_a_dead_child_is_restarted_alone_after_its_back_off(supervisors):
    supervisor = supervisors({"web": SLEEPER, "worker": SLEEPER}, min_backoff=1.0)
    supervisor.start()
    web = supervisor.children["web"].process
    worker = supervisor.children["worker"]
    first_pid = worker.process.pid
    worker.process.kill()
    _wait_dead(worker.process)

    died_at = time.monotonic()
    assert supervisor.check_once(now=died_at) == [("worker", -signal.SIGKILL)]
    # Not before its back-off …
    supervisor.check_once(now=died_at + 0.5)
    assert worker.process.pid == first_pid
    # … then a new process; the web process is the same one, never stopped.
    supervisor.check_once(now=died_at + 1.0)
    assert worker.process.pid != first_pid
    assert worker.process.poll() is None
    assert worker.restarts == 1
    assert supervisor.children["web"].process is web
    assert web.poll() is None


def test_the_back_off_doubles_on_quick_deaths_up_to_a_limit_and_resets_after_a_stable_run(
    supervisors,
):
    supervisor = supervisors({"beat": QUITTER}, min_backoff=1.0, max_backoff=4.0, stable_after=60.0)
    supervisor.start()
    child = supervisor.children["beat"]
    backoffs = []
    for _ in range(4):
        _wait_dead(child.process)
        now = child.started_at + 0.1
        assert supervisor.check_once(now=now) == [("beat", 3)]
        backoffs.append(child.backoff)
        supervisor.check_once(now=child.restart_at)
    assert backoffs == [1.0, 2.0, 4.0, 4.0]

    # A child that ran longer than `stable_after` comes back after the shortest wait.
    _wait_dead(child.process)
    supervisor.check_once(now=child.started_at + 61)
    assert child.backoff == 1.0


def test_nothing_is_restarted_once_stopping(supervisors):
    supervisor = supervisors({"worker": QUITTER}, min_backoff=0.0)
    supervisor.start()
    child = supervisor.children["worker"]
    _wait_dead(child.process)
    supervisor.check_once()
    supervisor.stop()
    supervisor.check_once(now=time.monotonic() + 10)
    assert child.restarts == 0


def test_a_stop_lets_children_drain_and_kills_what_ignores_it(supervisors):
    supervisor = supervisors({"web": DRAINER, "stubborn": STUBBORN}, grace=1.5)
    supervisor.start()
    time.sleep(1.0)  # both installed their signal handlers
    started = time.monotonic()
    supervisor.stop()
    supervisor.run()
    took = time.monotonic() - started
    assert supervisor.children["web"].process.returncode == 0
    assert supervisor.children["stubborn"].process.returncode == -signal.SIGKILL
    assert 1.0 <= took < 5


def test_run_until_returns_without_stopping_the_children(supervisors):
    supervisor = supervisors({"web": SLEEPER, "worker": SLEEPER})
    supervisor.start(["web"])
    assert supervisor.children["worker"].process is None
    calls = []
    supervisor.run(until=lambda: calls.append(1) or len(calls) >= 2, timeout=10)
    assert supervisor.children["web"].process.poll() is None
    supervisor.start()
    assert supervisor.children["worker"].process.poll() is None


def test_a_child_gets_its_own_variables_on_top_of_the_environment(
    supervisors, tmp_path, monkeypatch
):
    monkeypatch.setenv("INHERITED", "yes")
    printer = [
        sys.executable,
        "-c",
        "import os, sys; open(sys.argv[1], 'w').write("
        "os.environ.get('OWN', '-') + ' ' + os.environ.get('INHERITED', '-'))",
    ]
    supervisor = supervisors(
        {"web": [*printer, str(tmp_path / "web")], "worker": [*printer, str(tmp_path / "worker")]},
        environ={"web": {"OWN": "pool"}},
    )
    supervisor.start()
    for child in supervisor.children.values():
        _wait_dead(child.process)
    assert (tmp_path / "web").read_text() == "pool yes"
    assert (tmp_path / "worker").read_text() == "- yes"
