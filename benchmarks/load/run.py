"""`make bench-load`: the production stack under 50 users, with the figures and the targets.

1. A database of the scale seed (`seed_demo --bulk --firms 3000 --agencies 120 --incubators 60`,
   about two minutes on PostgreSQL), made once and kept as a template: a PostgreSQL
   database `<name>_load_seed` beside the one DATABASE_URL names (copied with CREATE
   DATABASE … TEMPLATE), or a SQLite file under var/bench-load/. It is made again when
   the day, the seed parameters, the migrations or the demo code change.
2. `manage.py serve` on a copy of it, as in production (DEBUG off, manifest static
   files): 2 uvicorn workers, a Celery worker and beat on PostgreSQL + Redis when
   DATABASE_URL and REDIS_URL are set (the bench's own Redis database, emptied first);
   otherwise SQLite with 1 worker (the in-memory channel layer cannot be shared).
3. Locust, headless, with the mix in benchmarks/load/locustfile.py, then a table:
   p50/p95/p99, throughput and errors per group and per endpoint, each group beside
   /healthz measured on the same stack at the same time. Before Locust starts, the
   assistant is asked until every worker has built its FAQ index, and each dashboard of
   the mix is opened once by its reader, so its figures are stored as on a running site
   (start-up, not load; the first views' times are printed).

Targets: p95 <= 300 ms for pages and for the API, no errors; `--check` exits 1 when
one is missed. The stack, its database copy and Locust are stopped at the end.
"""

import argparse
import contextlib
import datetime
import hashlib
import http.client
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchmarks.harness import BASE_DIR
from benchmarks.load.figures import CpuSampler, Figures, report

VAR = BASE_DIR / "var" / "bench-load"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
FAQ = BASE_DIR / "demo" / "fixtures" / "faq_zh-hans.jsonl"
SCALE = {"firms": 3000, "agencies": 120, "incubators": 60}
QUICK_SCALE = {"firms": 300, "agencies": 24, "incubators": 12}
# A Redis database of its own, so neither the tests' nor a developer's data is touched
# (BENCH_LOAD_REDIS_DB when engineers share one Redis).
REDIS_DB = int(os.environ.get("BENCH_LOAD_REDIS_DB", "12"))
# The dashboards the mix opens (locustfile.py, group "dashboard"), by who opens them.
DASHBOARD_READERS = (
    ("demo-manager", ("/dashboards/incubator/",)),
    ("demo-officer", ("/dashboards/programme/", "/dashboards/incubator/")),
)
PASSWORD = os.environ.get("BENCH_LOAD_PASSWORD", "ipcustody-demo")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load",
        description="Load benchmark of the production stack (make serve) on the scale seed.",
    )
    parser.add_argument("--users", type=int, default=50, help="concurrent people (default 50)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="people started per second")
    parser.add_argument(
        "--duration", type=int, default=90, help="seconds Locust runs, sign-ins included"
    )
    parser.add_argument("--workers", type=int, help="web workers (2 on PostgreSQL, else 1)")
    parser.add_argument(
        "--quick", action="store_true", help="300 firms, 20 people, 30 s: a smoke run"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--keep-seed",
        action="store_true",
        help="reuse the seeded template although the demo code or the day changed since",
    )
    parser.add_argument("--endpoints", action="store_true", help="also print a line per endpoint")
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.duration = min(args.users, 20), min(args.duration, 30)
    return args


# ---- where it runs ------------------------------------------------------------------------


class Profile:
    """PostgreSQL + Redis from the environment, or the embedded SQLite default."""

    def __init__(self, *, workers):
        database_url = os.environ.get("DATABASE_URL", "")
        self.redis_url = os.environ.get("REDIS_URL", "")
        self.postgres = database_url.startswith(("postgres://", "postgresql://"))
        if self.postgres != bool(self.redis_url):
            raise SystemExit("Set both DATABASE_URL (PostgreSQL) and REDIS_URL, or neither.")
        self.workers = workers or (2 if self.postgres else 1)
        if self.workers > 1 and not self.postgres:
            raise SystemExit(
                "More than one web worker needs Redis: set DATABASE_URL and REDIS_URL."
            )
        if self.postgres:
            parts = urlsplit(database_url)
            self._parts = parts
            base = parts.path.lstrip("/") or "postgres"
            self.seed_name, self.run_name = f"{base}_load_seed", f"{base}_load_run"
        self.sqlite_seed = self.sqlite_run = None

    @property
    def label(self):
        if self.postgres:
            return f"PostgreSQL + Redis, {self.workers} web workers, Celery worker and beat"
        return "SQLite, 1 web worker, in-memory channel layer, jobs in the supervisor"

    def url_of(self, name):
        return urlunsplit(self._parts._replace(path=f"/{name}"))

    def admin(self):
        import psycopg

        return psycopg.connect(self.url_of("postgres"), autocommit=True)

    def django_env(self, database):
        """The environment of manage.py commands against `database` (a name or a path)."""
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(VAR), LOG_LEVEL="WARNING")
        if self.postgres:
            env["DATABASE_URL"] = self.url_of(database)
        else:
            env["SQLITE_PATH"] = str(database)
        return env


def seed_key(scale):
    """Changes when the seeded data would: the day, the scale, the migrations, the demo code."""
    digest = hashlib.sha256(json.dumps(scale, sort_keys=True).encode())
    digest.update(datetime.date.today().isoformat().encode())  # noqa: DTZ011 — the seed's today
    paths = sorted(BASE_DIR.glob("*/migrations/*.py")) + sorted(BASE_DIR.glob("demo/*.py"))
    for path in [*paths, BASE_DIR / "cms" / "management" / "commands" / "seed_cms.py"]:
        if path.exists():
            digest.update(str(path.relative_to(BASE_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _manage(*args, env, quiet=True):
    command = [sys.executable, "manage.py", *args]
    result = subprocess.run(  # noqa: S603 — our interpreter and arguments
        command, cwd=BASE_DIR, env=env, capture_output=quiet, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _seed(profile, database, scale):
    env = profile.django_env(database)
    started = time.monotonic()
    _manage("migrate", "--noinput", "--verbosity", "0", env=env)
    _manage(
        "seed_demo",
        "--bulk",
        *[f"--{name}={count}" for name, count in scale.items()],
        env=env,
    )
    return time.monotonic() - started


def prepare_database(profile, scale, *, keep_seed=False):
    """Make the seeded template if it is missing or stale; return (copy for this run, note).

    keep_seed: a finished template is used whatever its key; the run's copy is then
    migrated to the current schema (reseeding 3,000 firms takes minutes, longer on a busy
    machine, and most changes of the demo code do not change what the pages read).
    """
    database, note = _prepare(profile, scale, keep_seed=keep_seed)
    if keep_seed and note.startswith("reused"):
        _manage("migrate", "--noinput", "--verbosity", "0", env=profile.django_env(database))
        note = "reused (--keep-seed), migrated"
    return database, note


def _prepare(profile, scale, *, keep_seed):
    key = seed_key(scale)
    if profile.postgres:
        with profile.admin() as admin:
            row = admin.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [profile.seed_name],
            ).fetchone()
            note = "reused"
            if row is None or row[0] is None or (row[0] != key and not keep_seed):
                admin.execute(f'DROP DATABASE IF EXISTS "{profile.seed_name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{profile.seed_name}"')
                print(f"Seeding {profile.seed_name} at {scale['firms']:,} firms …", flush=True)
                seconds = _seed(profile, profile.seed_name, scale)
                admin.execute(f"COMMENT ON DATABASE \"{profile.seed_name}\" IS '{key}'")
                note = f"seeded in {seconds:.0f} s"
            admin.execute(f'DROP DATABASE IF EXISTS "{profile.run_name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{profile.run_name}" TEMPLATE "{profile.seed_name}"')
        return profile.run_name, note
    VAR.mkdir(parents=True, exist_ok=True)
    seeded = VAR / f"seed-{key}.sqlite3"
    note = "reused"
    if keep_seed and not seeded.exists():
        seeded = max(
            VAR.glob("seed-*.sqlite3"), key=lambda path: path.stat().st_mtime, default=seeded
        )
    if not seeded.exists():
        for stale in VAR.glob("seed-*.sqlite3*"):
            stale.unlink()
        print(f"Seeding {seeded.name} at {scale['firms']:,} firms …", flush=True)
        partial = seeded.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        seconds = _seed(profile, partial, scale)
        partial.rename(seeded)
        note = f"seeded in {seconds:.0f} s"
    run = VAR / "run.sqlite3"
    for leftover in VAR.glob("run.sqlite3*"):
        leftover.unlink()
    # The backup API copies a consistent database whatever its journal mode left beside it.
    with (
        contextlib.closing(sqlite3.connect(seeded)) as source,
        contextlib.closing(sqlite3.connect(run)) as target,
    ):
        source.backup(target)
    return run, note


def drop_run_database(profile, database):
    if profile.postgres:
        with profile.admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    else:
        for path in VAR.glob("run.sqlite3*"):
            path.unlink()


# ---- the stack ------------------------------------------------------------------------------


def _free_port():
    """A free port, within BENCH_PORTS ("8150-8159") when the machine's ports are shared."""
    low, _, high = os.environ.get("BENCH_PORTS", "").partition("-")
    for port in range(int(low), int(high) + 1) if low and high else [0]:
        with socket.socket() as probe, contextlib.suppress(OSError):
            probe.bind(("127.0.0.1", port))
            return probe.getsockname()[1]
    raise SystemExit(f"no free port in BENCH_PORTS={os.environ['BENCH_PORTS']}")


def _status(port, path):
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        client.request("GET", path)
        return client.getresponse().status
    finally:
        client.close()


class Stack:
    """`manage.py serve` in production mode on the run's copy of the database."""

    def __init__(self, profile, database):
        self.port = _free_port()
        self.env = profile.django_env(database)
        self.env.update(
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            # No TLS in front of it here; with it the settings are the production ones.
            SECURE_SSL_REDIRECT="false",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            MEDIA_ROOT=str(VAR / "media"),
            PRIVATE_MEDIA_ROOT=str(VAR / "private"),
        )
        if profile.postgres:
            redis = urlsplit(profile.redis_url)._replace(path=f"/{REDIS_DB}")
            self.env.update(
                REDIS_URL=urlunsplit(redis),
                CHANNEL_LAYER_PREFIX=f"bench-load-{secrets.token_hex(4)}",
            )
        self.redis_url = self.env.get("REDIS_URL", "")
        self.workers = profile.workers
        self.log_path = VAR / "serve.log"
        self.process = None

    def warm_up_assistant(self, *, rounds=5, concurrent=4):
        """Ask the assistant until every worker answers fast: each process builds its FAQ
        index on its first question (seconds), which is start-up, not load."""
        body = json.dumps({"text": "托管服务包含哪些内容？"}).encode()

        def ask():
            # A busy machine may take minutes to build the index: wait, and on a timeout
            # go on (Locust's chat figures then carry what is left of the start-up).
            client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=240)
            started = time.perf_counter()
            try:
                headers = {"Content-Type": "application/json"}
                client.request("POST", "/api/v1/chat/answer", body=body, headers=headers)
                client.getresponse().read()
            except TimeoutError:
                return float("inf")
            finally:
                client.close()
            return time.perf_counter() - started

        # Within the assistant's throttle (30 a minute from one address).
        with ThreadPoolExecutor(concurrent) as pool:
            for _ in range(rounds):
                if max(pool.map(lambda _: ask(), range(concurrent))) < 0.5:
                    return

    def warm_up_dashboards(self):
        """Open each dashboard of the mix once, signed in as its reader, before the load.

        The run's database is a fresh copy of the seed: no dashboard's figures are stored
        yet, so the first views after the sign-ins computed them (on 3,000 firms, seconds,
        with the sign-ins' priming jobs at the same time) and those few views were the
        dashboards' slowest of the run. A site that has been running keeps them (beat
        refreshes what was read in the last two days), so this is start-up, not load, as the
        assistant's index is. Returns [(path, seconds of the first view)], printed beside
        the figures so the cold start stays in sight.
        """
        import requests

        base = f"http://127.0.0.1:{self.port}"
        timings = []
        for username, paths in DASHBOARD_READERS:
            login = requests.get(f"{base}/login/", timeout=60)
            token = login.cookies.get("csrftoken", "")
            # The cookies are marked Secure (no TLS here): sent by hand, as plain values.
            signed_in = requests.post(
                f"{base}/login/",
                data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
                cookies={"csrftoken": token},
                headers={"Referer": f"{base}/login/"},
                allow_redirects=False,
                timeout=60,
            )
            if signed_in.status_code != 302:
                raise SystemExit(
                    f"warm-up: signing in as {username} answered {signed_in.status_code}"
                )
            cookies = {"csrftoken": token, **dict(signed_in.cookies)}
            for path in paths:
                started = time.perf_counter()
                response = requests.get(f"{base}{path}", cookies=cookies, timeout=240)
                response.raise_for_status()
                timings.append((path, time.perf_counter() - started))
        return timings

    def collect_static(self):
        """DEBUG off serves hashed names from the manifest, which only collectstatic writes;
        it hashes and compresses every file (a minute), so only when a source changed."""
        _manage("collectstatic_release", "--verbosity", "0", env=self.env)

    def empty_redis(self):
        """Start from an empty Redis database (the bench's own, BENCH_LOAD_REDIS_DB): a
        previous run's cache entries, change marks and queued jobs would otherwise meet a
        fresh copy of the database (a refresh already asked for, pages drawn for figures
        this run never stored, a job for a database dropped since)."""
        if not self.redis_url:
            return
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            client.flushdb()
        finally:
            client.close()

    def start(self, timeout=120):
        self.empty_redis()
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 — our interpreter and arguments
            [
                sys.executable, "manage.py", "serve",
                "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", str(self.workers), "--celery-concurrency", "1",
                "--no-release",
            ],
            cwd=BASE_DIR, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"manage.py serve exited early; see {self.log_path}")
            with contextlib.suppress(OSError):
                if _status(self.port, "/readyz") == 200:
                    return
            time.sleep(0.5)
        raise SystemExit(f"the stack was not ready in {timeout} s; see {self.log_path}")

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


# ---- Locust ---------------------------------------------------------------------------------


def _questions():
    with FAQ.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [text for row in rows for text in (row["question"], *(row.get("alternates") or []))]


def run_locust(stack, args):
    samples_path = VAR / "samples.json"
    samples_path.unlink(missing_ok=True)
    env = {
        **os.environ,
        "BENCH_LOAD_SAMPLES": str(samples_path),
        "BENCH_LOAD_QUESTIONS": json.dumps(_questions(), ensure_ascii=False),
    }
    with (VAR / "locust.log").open("wb") as log:
        subprocess.run(  # noqa: S603 — our interpreter and arguments
            [
                sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
                # The health probe comes on top of the people.
                "--users", str(args.users + 1), "--spawn-rate", str(args.spawn_rate),
                "--run-time", f"{args.duration}s", "--stop-timeout", "10",
                "--host", f"http://127.0.0.1:{stack.port}", "--only-summary",
                "--loglevel", "WARNING",
            ],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, check=False,
        )  # fmt: skip
    if not samples_path.exists():
        raise SystemExit(f"Locust wrote no samples; see {VAR / 'locust.log'}")
    return json.loads(samples_path.read_text(encoding="utf-8"))


def main(argv=None):
    args = parse_args(argv)
    profile = Profile(workers=args.workers)
    scale = QUICK_SCALE if args.quick else SCALE
    VAR.mkdir(parents=True, exist_ok=True)
    database, seed_note = prepare_database(profile, scale, keep_seed=args.keep_seed)
    stack = Stack(profile, database)
    try:
        stack.collect_static()
        stack.start()
        stack.warm_up_assistant()
        warmed = stack.warm_up_dashboards()
        print(
            "Dashboards opened once before the load (their figures computed and stored, as "
            "on a running site): "
            + ", ".join(f"{path} {seconds * 1000:,.0f} ms" for path, seconds in warmed),
            flush=True,
        )
        load_before = os.getloadavg()
        print(
            f"Serving on port {stack.port}; {args.users} people for {args.duration} s …",
            flush=True,
        )
        sampler = CpuSampler(stack.process.pid)
        sampler.start()
        try:
            run = run_locust(stack, args)
        finally:
            sampler.stop()
            load_after = os.getloadavg()
    finally:
        stack.stop()
        drop_run_database(profile, database)
    figures = Figures(run)
    cpu = sampler.cores(figures.window_end - figures.window, figures.window_end)
    cpu["locust"] = run.get("locust_cpu", 0.0) / figures.window
    verdicts = report(
        figures,
        args=args,
        profile=profile,
        scale=scale,
        seed_note=seed_note,
        load_before=load_before,
        load_after=load_after,
        cpu=cpu,
    )
    if args.check and not all(met for _, met in verdicts):
        return 1
    return 0
