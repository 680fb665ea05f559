"""Kill the production stack's processes under load and check that nothing was lost.

`python -m benchmarks.faults` (`make bench-faults`) needs PostgreSQL and Redis
(DATABASE_URL, REDIS_URL). It makes a fresh database `<name>_faults`, migrates it,
seeds a small demo programme and starts `manage.py serve` (2 uvicorn workers, a Celery
worker with 2 pool processes, beat) with DEBUG off, in its own Redis database
(BENCH_FAULTS_REDIS_DB, default 11, emptied first). E-mail goes to files, one send
taking 50 ms as an SMTP hand-over would.

While writers sign in as different firms and add numbered trademarks through the
portfolio form, a probe asks /healthz ten times a second and a feeder queues e-mail
jobs (a notice and its outbox message, each sent by a Celery task), it kills, in turn,
a uvicorn worker, the Celery worker and a pool process of its replacement (SIGKILL).
Then it waits for the queue to drain and checks: every write answered 302 is in the
database; every queued job ran, its message marked sent and found exactly once in the
mail files; no message is left unacknowledged in Redis; the site answered throughout
except requests in flight on the killed worker. It prints the figures per kill and
exits 1 when a check fails.

Last, the restart: SIGTERM, then `manage.py serve` again as `make serve` starts it (release
steps included, with the static files unchanged), timed to the first /readyz 200 (target
RESTART_TARGET_SECONDS). `--restart-only` measures that alone, on the last run's database if any.
"""

import argparse
import collections
import contextlib
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import string
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import psutil
import requests

from benchmarks.harness import BASE_DIR

VAR = BASE_DIR / "var" / "bench-faults"
PROBE_SECONDS = 0.1
RESTART_TARGET_SECONDS = 10.0
JOB_KIND = "fault_bench"


def _free_port():
    import socket

    low, _, high = os.environ.get("BENCH_PORTS", "").partition("-")
    candidates = range(int(low), int(high) + 1) if low and high else [0]
    for port in candidates:
        with socket.socket() as probe, contextlib.suppress(OSError):
            probe.bind(("127.0.0.1", port))
            return probe.getsockname()[1]
    raise SystemExit(f"no free port in BENCH_PORTS={os.environ['BENCH_PORTS']}")


class Setup:
    def __init__(self, *, redis_db):
        database_url = os.environ.get("DATABASE_URL", "")
        redis_url = os.environ.get("REDIS_URL", "")
        if not database_url.startswith(("postgres://", "postgresql://")) or not redis_url:
            raise SystemExit("make bench-faults needs DATABASE_URL (PostgreSQL) and REDIS_URL.")
        parts = urlsplit(database_url)
        self.admin_url = urlunsplit(parts._replace(path="/postgres"))
        self.name = f"{parts.path.lstrip('/') or 'postgres'}_faults"
        self.database_url = urlunsplit(parts._replace(path=f"/{self.name}"))
        self.redis_url = urlunsplit(urlsplit(redis_url)._replace(path=f"/{redis_db}"))
        self.env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        self.env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            VAR_DIR=str(VAR),
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="false",
            LOG_LEVEL="WARNING",
            EMAIL_BACKEND="benchmarks.faults.mailbox.SlowFileBackend",
            EMAIL_FILE_PATH=str(VAR / "mail"),
            # Short enough to see a killed worker's tasks come back within the run.
            CELERY_TASK_TIME_LIMIT="20",
            CELERY_VISIBILITY_TIMEOUT="30",
            CHANNEL_LAYER_PREFIX="faults",
        )

    def fresh(self, *, firms):
        import psycopg
        import redis

        shutil.rmtree(VAR / "mail", ignore_errors=True)
        (VAR / "mail").mkdir(parents=True)
        redis.Redis.from_url(self.redis_url).flushdb()
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{self.name}"')
        for args in (
            ["migrate", "--noinput", "--verbosity", "0"],
            ["seed_demo", f"--firms={firms}", "--agencies=8", "--incubators=4"],
        ):
            result = subprocess.run(  # noqa: S603 — our interpreter and arguments
                [sys.executable, "manage.py", *args],
                cwd=BASE_DIR,
                env=self.env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                raise SystemExit(f"manage.py {args[0]} failed:\n{result.stdout}{result.stderr}")

    def seeded(self):
        """Whether the benchmark's database is there from an earlier run, seeded."""
        import psycopg

        try:
            with psycopg.connect(self.database_url) as connection:
                return bool(
                    connection.execute("SELECT count(*) FROM marketplace_firm").fetchone()[0]
                )
        except psycopg.Error:
            return False

    def collect_static(self):
        """DEBUG off needs the manifest; collected once, skipped while the sources stay."""
        result = subprocess.run(  # noqa: S603 — our interpreter and arguments
            [sys.executable, "manage.py", "collectstatic_release", "--verbosity", "0"],
            cwd=BASE_DIR, env=self.env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode:
            raise SystemExit(f"collectstatic_release failed:\n{result.stdout}{result.stderr}")

    def django(self):
        """Set Django up in this process on the benchmark's database, broker and key."""
        os.environ.update(self.env)
        import django

        django.setup()


class Stack:
    def __init__(self, setup, *, release=False, port=None, log_name="serve.log"):
        """`manage.py serve`; release: with its release steps (migrate, static files) as
        `make serve` runs it, else --no-release."""
        self.port = port or _free_port()
        self.log_path = VAR / log_name
        self.log = self.log_path.open("wb")
        self.started = time.monotonic()
        self.process = subprocess.Popen(  # noqa: S603 — our interpreter and arguments
            [
                sys.executable, "manage.py", "serve", *([] if release else ["--no-release"]),
                "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", "2", "--celery-concurrency", "2",
            ],
            cwd=BASE_DIR, env=setup.env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout=180):
        """Seconds from the process's start to the first /readyz 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"manage.py serve exited; see {self.log_path}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - self.started
            time.sleep(0.1)
        raise SystemExit(f"not ready in {timeout} s; see {self.log_path}")

    def cpu_seconds(self):
        """CPU seconds used so far by `manage.py serve` and every process it started."""
        total = 0.0
        with contextlib.suppress(psutil.NoSuchProcess):
            parent = psutil.Process(self.process.pid)
            for process in [parent, *parent.children(recursive=True)]:
                with contextlib.suppress(psutil.NoSuchProcess):
                    times = process.cpu_times()
                    total += times.user + times.system
        return total

    def pid_of(self, name):
        pids = re.findall(rf"started {name} \(pid (\d+)\)", self.log_path.read_text())
        return int(pids[-1]) if pids else None

    def children(self, name):
        with contextlib.suppress(psutil.NoSuchProcess):
            return psutil.Process(self.pid_of(name)).children()
        return []

    def stop(self):
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        return time.monotonic() - started


class Recorder:
    """Every request's outcome with its time, by kind."""

    def __init__(self):
        self.lock = threading.Lock()
        self.events = collections.defaultdict(list)  # kind -> [(t, ok)]

    def add(self, kind, ok):
        with self.lock:
            self.events[kind].append((time.monotonic(), ok))


def _session_for(user, base):
    """A signed-in session without rendering the login page (no static manifest needed)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = requests.Session()
    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    session.cookies.set(settings.CSRF_COOKIE_NAME, csrf)
    session.headers["Referer"] = base + "/"
    return session, csrf


def writer(session, csrf, base, firm_id, numbers, acknowledged, attempted, recorder, stop):
    while not stop.is_set():
        number = next(numbers)
        attempted.append(number)
        try:
            response = session.post(
                f"{base}/firms/{firm_id}/portfolio/new/",
                data={
                    "csrfmiddlewaretoken": csrf,
                    "kind": "trademark",
                    "number": str(number),
                    "title": "故障测试商标",
                    "status": "in_force",
                    "registration_date": "2020-03-14",
                    "nice_classes": "9, 42",
                },
                allow_redirects=False,
                timeout=10,
            )
            ok = response.status_code == 302
        except requests.RequestException:
            ok = False
        recorder.add("write", ok)
        if ok:
            acknowledged.append(number)
        time.sleep(0.05)


def probe(base, recorder, stop):
    while not stop.is_set():
        try:
            ok = requests.get(base + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            ok = False
        recorder.add("probe", ok)
        time.sleep(PROBE_SECONDS)


def feed_jobs(users, count, seconds, queued, stop):
    """Queue `count` e-mail jobs over `seconds`: a notice and its outbox message each."""
    from django.db import transaction

    from core.notices import notify

    for index in range(count):
        if stop.is_set():
            return
        with transaction.atomic():
            notify([users[index % len(users)]], kind=JOB_KIND, params={"n": index})
        queued.append(index)
        time.sleep(seconds / count)


def _window(events, start, end):
    """(requests, failures, outage seconds: first to last failure) of events in [start, end)."""
    inside = [(t, ok) for t, ok in events if start <= t < end]
    failed = [t for t, ok in inside if not ok]
    outage = (failed[-1] - failed[0] + PROBE_SECONDS) if failed else 0.0
    return len(inside), len(failed), outage


def _mail_copies():
    """{outbox key: [Message-ID of each copy written]} over every mail file."""
    copies = collections.defaultdict(list)
    for path in (VAR / "mail").glob("*.log"):
        for block in path.read_text().split("-" * 79):
            key = re.search(r"^X-Outbox-Key: (\S+)$", block, flags=re.M)
            message_id = re.search(r"^Message-ID: (\S+)$", block, flags=re.M)
            if key:
                copies[key.group(1)].append(message_id.group(1) if message_id else None)
    return copies


def _kill(process, what):
    pid = process.pid if hasattr(process, "pid") else process
    os.kill(pid, signal.SIGKILL)
    return {"what": what, "pid": pid, "at": time.monotonic()}


def measure_restart(setup, stack):
    """SIGTERM the stack, start it again as `make serve` does: seconds to /readyz."""
    stopped = stack.stop()
    load = os.getloadavg()[0]
    restarted = Stack(setup, release=True, port=stack.port, log_name="restart.log")
    try:
        seconds = restarted.wait_ready()
        cpu = restarted.cpu_seconds()
    finally:
        restarted.stop()
    steps = re.findall(r"release steps took [\d.]+ s", restarted.log_path.read_text())
    return {
        "restart_seconds": round(seconds, 1),
        # What the start-up itself costs, whatever the neighbours take (a shared machine).
        "restart_cpu_seconds": round(cpu, 1),
        "restart_stop_seconds": round(stopped, 1),
        "restart_release_steps": steps[-1] if steps else "",
        "restart_load_average": round(load, 2),
    }


def _print_restart(result):
    print(
        f"restart with unchanged static files: /readyz 200 {result['restart_seconds']} s after "
        f"start, {result['restart_cpu_seconds']} s of CPU in the stack's processes "
        f"(target {RESTART_TARGET_SECONDS:.0f} s; {result['restart_release_steps']}; "
        f"stop took {result['restart_stop_seconds']} s; load average "
        f"{result['restart_load_average']} on {os.cpu_count()} CPUs)"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.faults", description=__doc__)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=600)
    parser.add_argument("--feed-seconds", type=float, default=40.0)
    parser.add_argument("--between-kills", type=float, default=15.0)
    parser.add_argument("--drain-timeout", type=float, default=150.0)
    parser.add_argument("--firms", type=int, default=40)
    parser.add_argument(
        "--redis-db", type=int, default=int(os.environ.get("BENCH_FAULTS_REDIS_DB", "11"))
    )
    parser.add_argument(
        "--restart-only", action="store_true", help="measure the restart alone, no kills"
    )
    args = parser.parse_args(argv)

    setup = Setup(redis_db=args.redis_db)
    started = time.monotonic()
    print(f"fresh database {setup.name}, Redis db {args.redis_db}, seeding {args.firms} firms …")
    if args.restart_only and setup.seeded():
        print("  --restart-only: the database of the last run is used as it is")
    else:
        setup.fresh(firms=args.firms)
    setup.collect_static()
    setup.django()
    print(f"  seeded in {time.monotonic() - started:.0f} s")

    from django.db import close_old_connections

    from core.models import Notification, OutboxMessage
    from custody.models import IPAsset
    from marketplace.models import User

    members = list(
        User.objects.filter(
            role=User.Role.FIRM_MEMBER, is_active=True, firm__verification="verified"
        )
        .exclude(email="")
        .order_by("pk")[: args.writers]
    )
    recipients = list(User.objects.filter(is_active=True).exclude(email="").order_by("pk")[:50])

    stack = Stack(setup)
    print(f"stack ready in {stack.wait_ready():.1f} s on port {stack.port}")
    if args.restart_only:
        restart = measure_restart(setup, stack)
        _print_restart(restart)
        return 0 if restart["restart_seconds"] <= RESTART_TARGET_SECONDS else 1

    recorder, stop, stop_jobs = Recorder(), threading.Event(), threading.Event()
    acknowledged, attempted, queued = [], [], []
    numbers = itertools.count(int(time.time()) % 10**6 * 100)
    threads = [threading.Thread(target=probe, args=(stack.base, recorder, stop))]
    for member in members:
        session, csrf = _session_for(member, stack.base)
        threads.append(
            threading.Thread(
                target=writer,
                args=(session, csrf, stack.base, member.firm_id, numbers, acknowledged,
                      attempted, recorder, stop),
            )
        )  # fmt: skip
    threads.append(
        threading.Thread(
            target=feed_jobs, args=(recipients, args.jobs, args.feed_seconds, queued, stop_jobs)
        )
    )
    close_old_connections()
    load_from = time.monotonic()
    for thread in threads:
        thread.start()

    kills = []
    time.sleep(args.between_kills / 2)
    web_workers = stack.children("web")
    kills.append(_kill(web_workers[0], "uvicorn worker"))
    time.sleep(args.between_kills)
    kills.append(_kill(stack.pid_of("worker"), "Celery worker (main process)"))
    time.sleep(args.between_kills)
    # The replacement worker forks its pool once it has started; on a busy machine that
    # can take a while.
    waited_from = time.monotonic()
    pool = stack.children("worker")
    while not pool and time.monotonic() - waited_from < 90:
        time.sleep(0.5)
        pool = stack.children("worker")
    if pool:
        kills.append(_kill(pool[0], "Celery pool process"))
    else:
        print("  no pool process of the restarted worker to kill")
    time.sleep(args.between_kills)
    stop.set()
    stop_jobs.set()
    for thread in threads:
        thread.join()
    load_until = time.monotonic()

    # Drain: every queued job's message sent, nothing left unacknowledged in Redis.
    import redis

    broker = redis.Redis.from_url(setup.redis_url)
    keys = [
        f"notice:{pk}"
        for pk in Notification.objects.filter(kind=JOB_KIND).values_list("pk", flat=True)
    ]
    drain_from = time.monotonic()
    while time.monotonic() - drain_from < args.drain_timeout:
        unsent = OutboxMessage.objects.filter(key__in=keys, sent_at__isnull=True).count()
        if not unsent and not broker.hlen("unacked") and not broker.llen("celery"):
            break
        time.sleep(1)
    drained = time.monotonic() - drain_from
    restart = measure_restart(setup, stack)
    stop_seconds = restart["restart_stop_seconds"]

    # Checks.
    stored = set(
        IPAsset.objects.filter(kind=IPAsset.Kind.TRADEMARK, title="故障测试商标").values_list(
            "number", flat=True
        )
    )
    lost = [n for n in acknowledged if str(n) not in stored]
    copies = _mail_copies()
    mail = {key: len(copies.get(key, [])) for key in keys}
    sent_rows = OutboxMessage.objects.filter(key__in=keys, sent_at__isnull=False).count()
    missing_mail = [key for key in keys if mail[key] == 0]
    # At least once: a kill between the hand-over and the mark sends a second copy with the
    # same Message-ID, which a de-duplicating receiver drops. Another Message-ID would not be.
    duplicate_mail = {key: mail[key] for key in keys if mail[key] > 1}
    distinct_duplicates = {key for key in duplicate_mail if len(set(copies[key])) > 1}
    unacked = broker.hlen("unacked")

    bounds = [k["at"] for k in kills] + [load_until]
    per_kill = []
    for kill, end in zip(kills, bounds[1:], strict=True):
        requests_, probe_failed, outage = _window(recorder.events["probe"], kill["at"], end)
        writes, write_failed, _ = _window(recorder.events["write"], kill["at"], end)
        per_kill.append(
            {"kill": kill["what"], "probe_requests": requests_, "probe_errors": probe_failed,
             "outage_seconds": round(outage, 2), "writes": writes, "write_errors": write_failed}
        )  # fmt: skip
    before = _window(recorder.events["probe"], load_from, kills[0]["at"] if kills else load_until)
    result = {
        "load_seconds": round(load_until - load_from, 1),
        "writes_attempted": len(attempted),
        "writes_acknowledged": len(acknowledged),
        "writes_acknowledged_found": len(acknowledged) - len(lost),
        "writes_unacknowledged_found": len([n for n in attempted if str(n) in stored])
        - (len(acknowledged) - len(lost)),
        "jobs_queued": len(keys),
        "jobs_marked_sent": sent_rows,
        "emails_sent_once": sum(1 for key in keys if mail[key] == 1),
        "emails_missing": len(missing_mail),
        "emails_repeated_same_message_id": len(duplicate_mail) - len(distinct_duplicates),
        "emails_repeated_other_message_id": len(distinct_duplicates),
        "unacked_left_in_redis": unacked,
        "drain_seconds": round(drained, 1),
        "probe_errors_before_kills": before[1],
        "per_kill": per_kill,
        "clean_stop_seconds": round(stop_seconds, 1),
        **restart,
    }
    (VAR / "result.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    _print(result)
    failures = []
    if lost:
        failures.append(f"{len(lost)} acknowledged writes missing: {lost[:10]}")
    if missing_mail or sent_rows != len(keys):
        failures.append(f"{len(missing_mail)} jobs never sent their e-mail")
    if distinct_duplicates:
        failures.append(f"{len(distinct_duplicates)} e-mails sent twice under different ids")
    if unacked:
        failures.append(f"{unacked} messages left unacknowledged in Redis")
    if before[1]:
        failures.append(f"{before[1]} probe errors before any kill")
    if restart["restart_seconds"] > RESTART_TARGET_SECONDS:
        failures.append(f"restart took {restart['restart_seconds']} s to answer /readyz")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


def _print(result):
    print()
    print(f"load {result['load_seconds']} s")
    print(
        f"writes: {result['writes_attempted']} attempted, {result['writes_acknowledged']} "
        f"acknowledged, {result['writes_acknowledged_found']} of them in the database "
        f"(+{result['writes_unacknowledged_found']} unacknowledged that were stored)"
    )
    print(
        f"jobs: {result['jobs_queued']} queued, {result['jobs_marked_sent']} marked sent; "
        f"e-mails: {result['emails_sent_once']} sent once, {result['emails_missing']} missing, "
        f"{result['emails_repeated_same_message_id']} repeated with the same Message-ID, "
        f"{result['emails_repeated_other_message_id']} under another; "
        f"{result['unacked_left_in_redis']} unacked "
        f"left; drained {result['drain_seconds']} s after the load"
    )
    print("| kill | probe requests | probe errors | outage s | writes | write errors |")
    print("|---|---|---|---|---|---|")
    for row in result["per_kill"]:
        print(
            f"| {row['kill']} | {row['probe_requests']} | {row['probe_errors']} | "
            f"{row['outage_seconds']} | {row['writes']} | {row['write_errors']} |"
        )
    print(f"SIGTERM to stopped: {result['clean_stop_seconds']} s")
    _print_restart(result)
