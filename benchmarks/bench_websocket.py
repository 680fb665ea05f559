"""WebSocket: 1,000 concurrent connections on one process; at 100 questions/s, answer round
trip p95 <= 50 ms.

A real uvicorn process, started as `manage.py serve` starts each web worker, serves
config.asgi:application in production mode (DEBUG off) on a copy of the migrated SQLite
template and the in-memory channel layer, with a FAQ imported: the shared corpus when
`--faq-corpus`/`--faq-dev` are given, else the product's own FAQ (demo/fixtures). From
this process, N anonymous visitors connect to /ws/chat/ (no cookie: the consumer makes
each a session with its first question), stay connected, and questions go out at 100/s
round-robin over the connections for a fixed time; the round trip is from just before a
question is sent to the arrival of the assistant's reply on that socket. At the end every
connection must still answer a ping to count as held. The server under load is started
afresh: each question is new to it the first time it comes round. The server's CPU seconds
per question (from /proc, while the questions go out and are answered) say what the load
costs whatever the neighbours on a shared machine do to the wall-clock figures.

Baselines, measured in the same run on another server of the same kind before the load:
the same questions one at a time over a few sockets (the same path, nobody else
connected), and one at a time through `POST /api/v1/chat/answer` (no socket, nothing
stored). The output says how busy the machine was (load average before and after).

The server's HTTP throttle (CHAT_THROTTLE_RATE) is raised for the HTTP baseline only;
the WebSocket limits (20 frames per 10 s per connection) stay as shipped: at 100/s over
200 or more connections each socket sends one question every two seconds or less often.

Run alone: python -m benchmarks --only websocket [--quick]
"""

import asyncio
import contextlib
import http.client
import json
import math
import os
import resource
import secrets
import socket
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.db import connections

from benchmarks.harness import BASE_DIR, Row, Timing, format_seconds, percentile
from chat import encoder, hybrid
from chat import index as chat_index

TARGET_SECONDS = 0.050
RATE = 100
FULL = {"connections": 1000, "seconds": 30, "baseline_questions": 200}
QUICK = {"connections": 200, "seconds": 5, "baseline_questions": 60}
# Handshakes in flight at once while the connections are opened.
CONNECT_CONCURRENCY = 50
ANSWER_TYPES = {"answer", "clarify", "fallback", "handoff"}
FIXTURES = BASE_DIR / "demo" / "fixtures"
PRODUCT_FAQ = (FIXTURES / "faq_zh-hans.jsonl", FIXTURES / "faq_en.jsonl")
# A reply slower than this is counted as lost.
ANSWER_TIMEOUT = 15.0
# Loads the index, jieba and the encoder on the server under load (none is a question asked
# under load, so nothing it asks is answered from the recent answers).
WARM_UP = ["你好", "hello", "warm-up question about nothing in particular"]


@dataclass
class LoadRow(Row):
    """A row whose target is also missed when a socket dropped or a question went unanswered."""

    complete: bool = True

    @property
    def met(self):
        return self.complete and super().met


# ---- the FAQ and the questions ---------------------------------------------


def _read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_faq(options):
    """Import the FAQ into the current database and return (description, question texts)."""
    if options.faq_corpus is not None and options.faq_dev is not None:
        files = [options.faq_corpus]
        texts = [row["text"] for row in _read_jsonl(options.faq_dev)]
        described = f"corpus {options.faq_corpus.name}, questions {options.faq_dev.name}"
    else:
        files = list(PRODUCT_FAQ)
        texts = []
        for path in files:
            for row in _read_jsonl(path):
                texts += [row["question"], *(row.get("alternates") or [])]
        described = "the product FAQ (demo/fixtures), its questions and alternates"
    for path in files:
        call_command("import_faq", str(path), stdout=StringIO())
    return described, texts


# ---- the server ------------------------------------------------------------


def raise_open_files(wanted):
    """Lift the soft limit on open files towards `wanted` (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return soft
    new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return new


def free_port():
    """A free port, within BENCH_PORTS ("8300-8399") when the machine's ports are shared."""
    first, _, last = os.environ.get("BENCH_PORTS", "0-0").partition("-")
    for port in range(int(first), int(last or first) + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError(f"no free port in BENCH_PORTS={os.environ['BENCH_PORTS']}")


def server_environment(database):
    """Production mode on `database`: no DATABASE_URL or REDIS_URL, so SQLite and the
    in-memory channel layer, whatever the shell that started the benchmark has set; DEBUG
    off, as a served site runs (with it on, Django records every query and SQLite's
    backend quotes each one's parameters again), plain HTTP on 127.0.0.1."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CHANNEL_LAYER_PREFIX"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SQLITE_PATH": str(database),
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "CHAT_THROTTLE_RATE": "1000000/min",
            # Every visitor here comes from 127.0.0.1: the per-address limits would stop the
            # benchmark at its 21st socket, so they are off; the per-connection limit stays.
            "CHAT_WS_CONNECTIONS_PER_ADDRESS": "0",
            "CHAT_WS_MESSAGES_PER_ADDRESS": "0",
        }
    )
    return env


@dataclass
class Server:
    address: str
    pid: int

    def cpu_seconds(self):
        """User and system CPU seconds the server process has used so far (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return math.nan
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def cpu_by_thread(self):
        """{"event loop": CPU seconds so far, "threads": the same over the other live
        threads} (the database thread, reading ahead, the encoder: Python 3.11 does not
        name them for /proc, so they are counted together)."""
        found = {"event loop": 0.0, "threads": 0.0}
        try:
            tasks = list(Path(f"/proc/{self.pid}/task").iterdir())
        except OSError:
            return found
        for task in tasks:
            try:
                fields = (task / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue  # the thread ended meanwhile
            kind = "event loop" if task.name == str(self.pid) else "threads"
            found[kind] += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return found


@contextlib.contextmanager
def web_worker(database, log_path, startup_timeout=60.0):
    """One uvicorn process serving the site on a free port, with the options `manage.py
    serve` gives its workers; yields its Server (address, pid)."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "config.asgi:application",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--proxy-headers", "--no-access-log", "--lifespan", "off",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
            command,
            cwd=BASE_DIR,
            env=server_environment(database),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_serving(process, port, startup_timeout, log_path)
            yield Server(f"127.0.0.1:{port}", process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _log_tail(log_path, lines=30):
    text = Path(log_path).read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def _wait_until_serving(process, port, timeout, log_path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}:\n{_log_tail(log_path)}")
        try:
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            client.request("GET", "/chat/session/")
            if client.getresponse().status == 204:
                client.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"uvicorn did not answer within {timeout:.0f} s:\n{_log_tail(log_path)}")


# ---- HTTP baseline ---------------------------------------------------------


def http_round_trips(address, texts):
    """Each question through POST /api/v1/chat/answer, one at a time on a kept-alive connection."""
    host, port = address.split(":")
    client = http.client.HTTPConnection(host, int(port), timeout=30)
    samples = []
    try:
        for text in texts:
            body = json.dumps({"text": text})
            started = time.perf_counter()
            client.request(
                "POST",
                "/api/v1/chat/answer",
                body=body,
                headers={"Content-Type": "application/json", "Accept": "application/json"},
            )
            response = client.getresponse()
            payload = response.read()
            samples.append(time.perf_counter() - started)
            if response.status != 200 or json.loads(payload).get("kind") not in ANSWER_TYPES:
                raise RuntimeError(f"POST /api/v1/chat/answer answered {response.status}")
    finally:
        client.close()
    return samples


# ---- WebSocket clients -----------------------------------------------------


class Visitor:
    """One socket; questions are answered in order, so the send times wait in a queue."""

    def __init__(self, ws):
        self.ws = ws
        self.pending = deque()
        self.reader = None
        self.closed_with = None


class Load:
    def __init__(self):
        self.round_trips = []
        # The same round trips, split: questions new to the server, and those asked before.
        self.by_novelty = {True: [], False: []}
        self.errors = {}
        self.sent = 0
        self.answered = 0
        # Questions not sent because their socket had been closed.
        self.skipped = 0

    def settled(self):
        return self.answered + sum(self.errors.values()) >= self.sent


async def open_visitor(url, origin):
    from websockets.asyncio.client import connect

    started = time.perf_counter()
    ws = await connect(url, origin=origin, open_timeout=30, max_size=2**20)
    first = json.loads(await asyncio.wait_for(ws.recv(), 30))
    if first.get("type") != "history":
        raise RuntimeError(f"expected the history first, got {first.get('type')}")
    return Visitor(ws), time.perf_counter() - started


async def read_answers(visitor, load):
    from websockets.exceptions import ConnectionClosed

    try:
        async for raw in visitor.ws:
            arrived = time.perf_counter()
            message = json.loads(raw)
            kind = message.get("type")
            if kind in ANSWER_TYPES:
                sent_at, new = visitor.pending.popleft()
                load.round_trips.append(arrived - sent_at)
                load.by_novelty[new].append(arrived - sent_at)
                load.answered += 1
            elif kind == "error":
                visitor.pending.popleft()
                load.errors[message.get("code")] = load.errors.get(message.get("code"), 0) + 1
    except ConnectionClosed as closed:
        visitor.closed_with = closed.rcvd.code if closed.rcvd else None


async def ask(visitor, text, new):
    visitor.pending.append((time.perf_counter(), new))
    await visitor.ws.send(json.dumps({"type": "message", "text": text}))


async def sequential_round_trips(url, origin, texts, per_socket):
    """The baseline: one question at a time, `per_socket` per fresh socket, nothing else going on."""
    samples = []
    for start in range(0, len(texts), per_socket):
        visitor, _took = await open_visitor(url, origin)
        try:
            for text in texts[start : start + per_socket]:
                started = time.perf_counter()
                await visitor.ws.send(json.dumps({"type": "message", "text": text}))
                while True:
                    message = json.loads(await asyncio.wait_for(visitor.ws.recv(), 30))
                    if message.get("type") in ANSWER_TYPES:
                        break
                    if message.get("type") == "error":
                        raise RuntimeError(f"baseline question refused: {message.get('code')}")
                samples.append(time.perf_counter() - started)
        finally:
            await visitor.ws.close()
    return samples


async def under_load(
    url, origin, texts, *, count, rate, seconds, cpu_seconds=None, cpu_by_thread=None
):
    """Open `count` sockets, keep them, ask at `rate` per second for `seconds`, then ping all.
    `cpu_seconds`: reads the server's CPU time, taken when the questions start and when
    they have been answered."""
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    failures = {}

    async def one():
        async with gate:
            try:
                return await open_visitor(url, origin)
            except Exception as exc:  # noqa: BLE001  (counted and reported, never hidden)
                name = type(exc).__name__
                failures[name] = failures.get(name, 0) + 1
                return None

    opening = time.perf_counter()
    opened = [item for item in await asyncio.gather(*(one() for _ in range(count))) if item]
    opening = time.perf_counter() - opening
    visitors = [visitor for visitor, _took in opened]
    if not visitors:
        raise RuntimeError(f"websocket: no connection opened: {failures}")
    connect_times = [took for _visitor, took in opened]
    load = Load()
    for visitor in visitors:
        visitor.reader = asyncio.create_task(read_answers(visitor, load))

    total = int(rate * seconds)
    asked = set()
    cpu_before = cpu_seconds() if cpu_seconds else math.nan
    threads_before = cpu_by_thread() if cpu_by_thread else {}
    started = time.perf_counter()
    for number in range(total):
        delay = started + number / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        visitor = visitors[number % len(visitors)]
        if visitor.closed_with is not None or visitor.reader.done():
            load.skipped += 1
            continue
        load.sent += 1
        text = texts[number % len(texts)]
        await ask(visitor, text, text not in asked)
        asked.add(text)
    sending = time.perf_counter() - started
    deadline = time.perf_counter() + ANSWER_TIMEOUT
    while not load.settled() and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    # Replies arriving after this are not counted: the figures are those of this moment.
    server_cpu = (cpu_seconds() if cpu_seconds else math.nan) - cpu_before
    threads_after = cpu_by_thread() if cpu_by_thread else {}
    server_threads = {
        kind: seconds - threads_before.get(kind, 0.0) for kind, seconds in threads_after.items()
    }
    answered, errors = load.answered, dict(load.errors)
    round_trips = list(load.round_trips)
    by_novelty = {new: list(samples) for new, samples in load.by_novelty.items()}
    lost = load.sent - answered - sum(errors.values())

    async def held(visitor):
        try:
            waiter = await visitor.ws.ping()
            await asyncio.wait_for(waiter, 15)
        except Exception:  # noqa: BLE001  (a socket that cannot pong is not held)
            return False
        return True

    alive = sum(await asyncio.gather(*(held(visitor) for visitor in visitors)))
    for visitor in visitors:
        visitor.reader.cancel()
    closing = [visitor.ws.close() for visitor in visitors]
    for start in range(0, len(closing), 200):
        await asyncio.gather(*closing[start : start + 200], return_exceptions=True)
    return {
        "opened": len(visitors),
        "connect_failures": failures,
        "opening_seconds": opening,
        "connect_times": connect_times,
        "held": alive,
        "sent": load.sent,
        "skipped": load.skipped,
        "answered": answered,
        "errors": errors,
        "lost": lost,
        "round_trips": round_trips,
        "new_round_trips": by_novelty[True],
        "repeat_round_trips": by_novelty[False],
        "achieved_rate": load.sent / sending if sending else 0.0,
        "server_cpu": server_cpu,
        "server_threads": server_threads,
    }


async def baselines(address, texts, *, per_socket, baseline_questions):
    """One question at a time over a few sockets, the server otherwise idle."""
    url, origin = _endpoints(address)
    # Warm the server: the matcher index, jieba and the first database connection.
    await sequential_round_trips(url, origin, texts[:6], per_socket=3)
    return await sequential_round_trips(
        url, origin, _cycle(texts, baseline_questions), per_socket=min(per_socket, 15)
    )


async def measure_load(server, texts, *, count, rate, seconds):
    """The load, on a server that has answered only a few warm-up questions: none of the
    questions asked in the baselines is among its recent answers."""
    url, origin = _endpoints(server.address)
    await sequential_round_trips(url, origin, WARM_UP, per_socket=len(WARM_UP))
    return await under_load(
        url,
        origin,
        texts,
        count=count,
        rate=rate,
        seconds=seconds,
        cpu_seconds=server.cpu_seconds,
        cpu_by_thread=server.cpu_by_thread,
    )


def _endpoints(address):
    # Same-origin, as the browser sends it; config.asgi checks it against ALLOWED_HOSTS.
    return f"ws://{address}/ws/chat/", f"http://{address}"


def _cycle(texts, size):
    return [texts[number % len(texts)] for number in range(size)]


# ---- entry point -----------------------------------------------------------


def encoder_share(texts):
    """In this process, on the same FAQ, each question once with no recent-question cache:
    {"share": the encoder's share of the assistant's CPU time, "encoded": the share of
    questions that were encoded, "cpu" and "wall": seconds per question}. CPU time (this
    thread's; BLAS runs on it alone) is what the neighbours on a shared machine do not
    inflate; the wall time is printed beside it."""
    loaded = chat_index.current()
    if loaded.encode is None:
        return {"share": 0.0, "encoded": 0.0, "cpu": 0.0, "wall": 0.0}
    # Loads the weights, jieba and the rest first: a start-up cost, not a question's.
    for text in WARM_UP:
        loaded.encode(text)
        hybrid.match(
            loaded.index,
            text,
            encode=loaded.encode,
            fusion=loaded.fusion,
            lexical_settings=loaded.settings,
        )
    encoder.forget_recent()
    spent = {"seconds": 0.0}

    def timed(text):
        started = time.thread_time()
        vector = loaded.encode(text)
        spent["seconds"] += time.thread_time() - started
        return vector

    unique = list(dict.fromkeys(texts))
    encoded = 0
    started, cpu_started = time.perf_counter(), time.thread_time()
    for text in unique:
        trace = {}
        hybrid.match(
            loaded.index,
            text,
            encode=timed,
            fusion=loaded.fusion,
            lexical_settings=loaded.settings,
            trace=trace,
        )
        encoded += trace["encoded"]
    cpu = time.thread_time() - cpu_started
    wall = time.perf_counter() - started
    encoder.forget_recent()
    return {
        "share": spent["seconds"] / cpu if cpu else 0.0,
        "encoded": encoded / len(unique),
        "cpu": cpu / len(unique),
        "wall": wall / len(unique),
    }


def _threads(spent):
    """The server's CPU seconds by thread, the largest first."""
    ranked = sorted(spent.items(), key=lambda item: -item[1])
    return ", ".join(f"{kind} {seconds:.1f} s" for kind, seconds in ranked if seconds >= 0.05)


def _split(samples):
    if not samples:
        return "none"
    return (
        f"p50 {format_seconds(percentile(samples, 50))},"
        f" p95 {format_seconds(percentile(samples, 95))} ({len(samples)})"
    )


def run(ctx):
    sizes = QUICK if ctx.options.quick else FULL
    count, seconds = sizes["connections"], sizes["seconds"]
    limit = raise_open_files(2 * count + 512)
    if limit < count + 256:
        print(f"websocket: only {limit} open files allowed; fewer connections than asked may open.")
    with ctx.fresh_database() as database:
        described, texts = load_faq(ctx.options)
        cold = encoder_share(texts)
        connections.close_all()
        per_socket = max(1, math.ceil(RATE * seconds / count))
        with web_worker(database, ctx.workdir / "websocket-baseline.log") as server:
            address = server.address
            baseline = asyncio.run(
                baselines(
                    address,
                    texts,
                    per_socket=per_socket,
                    baseline_questions=sizes["baseline_questions"],
                )
            )
            http_samples = http_round_trips(address, _cycle(texts, sizes["baseline_questions"]))
        # A fresh process for the load, so nothing the baselines asked is answered from memory.
        load_before = os.getloadavg()[0]
        with web_worker(database, ctx.workdir / "websocket-load.log") as server:
            loaded = asyncio.run(
                measure_load(server, texts, count=count, rate=RATE, seconds=seconds)
            )
    load_after = os.getloadavg()[0]
    distinct = len(set(_cycle(texts, RATE * seconds)))
    if not loaded["round_trips"]:
        # Nothing answered: an infinite round trip, so the row shows it and misses.
        loaded["round_trips"] = [math.inf]
    worst = max(loaded["round_trips"])
    p95 = percentile(loaded["round_trips"], 95)
    summary = (
        f"{loaded['held']}/{count} connections held to the end"
        f" ({loaded['opened']} opened in {loaded['opening_seconds']:.1f} s"
        + (f", failed: {loaded['connect_failures']}" if loaded["connect_failures"] else "")
        + f"); {loaded['sent']} questions sent at {loaded['achieved_rate']:.1f}/s over"
        f" {seconds} s ({loaded['skipped']} not sent: socket closed), {loaded['answered']}"
        f" answered, errors {loaded['errors'] or 0}, lost {loaded['lost']};"
        " round trip of those answered: p50"
        f" {format_seconds(percentile(loaded['round_trips'], 50))}, p95 {format_seconds(p95)},"
        f" max {format_seconds(worst)} (questions new to the server:"
        f" {_split(loaded['new_round_trips'])}; asked before:"
        f" {_split(loaded['repeat_round_trips'])}); the server's CPU:"
        f" {loaded['server_cpu'] / max(1, loaded['answered']) * 1000:.1f} ms per question"
        f" ({loaded['server_cpu']:.1f} s in all; {_threads(loaded['server_threads'])}); FAQ: {described}; the encoder:"
        f" {cold['share']:.0%} of the assistant's CPU time on questions new to it"
        f" ({cold['encoded']:.0%} of them encoded, the cascade deciding the rest; the assistant"
        f" {cold['cpu'] * 1000:.1f} ms of CPU, {cold['wall'] * 1000:.1f} ms wall per new"
        f" question, in this process); {distinct}"
        f" distinct questions among the {RATE * seconds} (the rest from the recent answers);"
        f" machine load average {load_before:.1f} before, {load_after:.1f} after, on"
        f" {os.cpu_count()} cores"
    )
    print(f"websocket: {summary}")
    complete = loaded["held"] == count and loaded["answered"] == loaded["sent"] == RATE * seconds
    return [
        LoadRow(
            benchmark="websocket",
            case=f"answer round trip, {count} sockets, {RATE}/s",
            timing=Timing(loaded["round_trips"]),
            baseline_case="one at a time, idle",
            baseline=Timing(baseline),
            target=TARGET_SECONDS,
            complete=complete,
            note=summary
            + ("" if complete else "; MISSED: not every socket held or question answered"),
        ),
        Row(
            benchmark="websocket",
            case=f"answer round trip, one at a time ({per_socket} per socket)",
            timing=Timing(baseline),
            baseline_case="HTTP POST chat/answer",
            baseline=Timing(http_samples),
            note="its own server, idle, each question new to it; HTTP then asks the same"
            " questions (answered from the recent answers) and stores nothing, the socket"
            " stores both messages",
        ),
        Row(
            benchmark="websocket",
            case=f"connect + history, {CONNECT_CONCURRENCY} at a time",
            timing=Timing(loaded["connect_times"] or [0.0]),
        ),
    ]
