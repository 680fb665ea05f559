"""`make bench-load`'s figures: CPU sampled while Locust runs, latency per group and
endpoint after the last sign-in, and the report with its verdicts against the targets."""

import os
import threading
import time

from benchmarks.harness import percentile

TARGET_MS = 300
# The programme and incubator dashboards: p95 within this many times /healthz's (#20).
DASHBOARD_TIMES_HEALTHZ = 2.0
# Groups with a target ("ms": p95 <= TARGET_MS; "healthz": p95 <= DASHBOARD_TIMES_HEALTHZ ×
# /healthz's p95), and how the table names them.
GROUPS = (
    ("page", "pages", "ms"),
    ("dashboard", "dashboards", "healthz"),
    ("api", "API", "ms"),
    ("chat", "chat (WebSocket)", None),
    ("healthz", "/healthz", None),
)

# ---- CPU -------------------------------------------------------------------------------------


class CpuSampler:
    """CPU seconds used by the web workers and Celery, and by the whole machine,
    sampled each second, so the measured window can be told apart from the sign-ins and
    the machine's other work (it is shared) shows in the report."""

    def __init__(self, stack_pid):
        import psutil

        self._psutil = psutil
        self.stack = psutil.Process(stack_pid)
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _seconds(self, process):
        try:
            times = process.cpu_times()
        except self._psutil.Error:
            return 0.0
        return times.user + times.system

    def _sample(self):
        parts = {"web": 0.0, "celery": 0.0}
        for process in [self.stack, *self._children()]:
            try:
                command = " ".join(process.cmdline())
            except self._psutil.Error:
                continue
            parts["celery" if "celery" in command else "web"] += self._seconds(process)
        machine = self._psutil.cpu_times()
        parts["machine"] = sum(machine) - machine.idle - getattr(machine, "iowait", 0.0)
        return time.time(), parts

    def _children(self):
        try:
            return self.stack.children(recursive=True)
        except self._psutil.Error:
            return []

    def _run(self):
        while not self._stop.is_set():
            self.samples.append(self._sample())
            self._stop.wait(1.0)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()
        self.samples.append(self._sample())

    def cores(self, since, until):
        """Average cores used by each part between two moments."""
        first = min(self.samples, key=lambda sample: abs(sample[0] - since))
        last = min(self.samples, key=lambda sample: abs(sample[0] - until))
        seconds = max(last[0] - first[0], 1e-9)
        return {name: (last[1][name] - first[1][name]) / seconds for name in first[1]}


# ---- figures --------------------------------------------------------------------------------


class Figures:
    """Latency of requests after the last sign-in; errors of the whole run."""

    def __init__(self, run):
        self.samples = run["samples"]
        self.started, self.stopped = run["started"], run["stopped"]
        self.measured_from = run["measured_from"]
        self.all_signed_in = self.measured_from is not None
        start = self.measured_from if self.all_signed_in else self.started
        # By start time: a request under way at the last sign-in belongs to the warm-up.
        self.measured = [s for s in self.samples if s["at"] - s["ms"] / 1000 >= start]
        # Until the last answer: Locust's stopping time carries no requests.
        end = max((s["at"] for s in self.measured), default=self.stopped)
        self.window = max(end - start, 1e-9)
        self.window_end = end

    def stats(self, rows):
        times = [row["ms"] for row in rows if row["error"] is None]
        errors = sum(1 for row in rows if row["error"] is not None)
        if not times:
            return {"n": len(rows), "errors": errors, "p50": None, "p95": None, "p99": None}
        return {
            "n": len(rows),
            "errors": errors,
            "p50": percentile(times, 50),
            "p95": percentile(times, 95),
            "p99": percentile(times, 99),
            "rps": len(rows) / self.window,
        }

    def group(self, group):
        return self.stats([s for s in self.measured if s["group"] == group])

    def errors(self):
        return [s for s in self.samples if s["error"] is not None]


def _ms(value):
    return "-" if value is None else f"{value:.0f} ms"


def _table(header, lines):
    widths = [max(len(str(cells[i])) for cells in [header, *lines]) for i in range(len(header))]
    out = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    for cells in lines:
        out.append(
            "  ".join(
                str(c).ljust(w) if i == 0 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
        )
    return "\n".join(out)


def report(figures, *, args, profile, scale, seed_note, load_before, load_after, cpu):
    """Print the table; return the verdicts [(what, met)]."""
    health = figures.group("healthz")
    lines = []
    for group, label, targeted in GROUPS:
        stats = figures.group(group)
        ratio50 = ratio95 = "-"
        if group != "healthz" and stats["p50"] and health["p50"]:
            ratio50 = f"{stats['p50'] / health['p50']:.1f}"
            ratio95 = f"{stats['p95'] / health['p95']:.1f}"
        target = {"ms": f"≤ {TARGET_MS} ms", "healthz": f"≤ {DASHBOARD_TIMES_HEALTHZ:g}× hz"}.get(
            targeted, "-"
        )
        lines.append(
            (
                label, stats["n"], stats["errors"], _ms(stats["p50"]), _ms(stats["p95"]),
                _ms(stats["p99"]), f"{stats.get('rps', 0):.1f}", ratio50, ratio95, target,
            )
        )  # fmt: skip
    writes = figures.stats([s for s in figures.measured if s["write"]])
    lines.append(
        (
            "  of which writes", writes["n"], writes["errors"], _ms(writes["p50"]),
            _ms(writes["p95"]), _ms(writes["p99"]), f"{writes.get('rps', 0):.1f}", "", "", "",
        )
    )  # fmt: skip
    people = [s for s in figures.measured if s["group"] in {"page", "dashboard", "api", "chat"}]
    total = figures.stats(people)
    print()
    print(
        f"Load benchmark: {args.users} people (+1 health probe), {profile.label}; "
        f"seed {scale['firms']:,} firms, {scale['agencies']} agencies, "
        f"{scale['incubators']} incubators ({seed_note}); load average (1 min) before "
        f"{load_before[0]:.2f}, after {load_after[0]:.2f} on {os.cpu_count()} CPUs"
    )
    print(
        f"Measured {figures.window:.0f} s after the last sign-in: {total['n']:,} requests, "
        f"{total.get('rps', 0):.1f} per second, {len(figures.errors())} errors in the whole run"
    )
    others = cpu["machine"] - cpu["web"] - cpu["celery"] - cpu["locust"]
    per_request = cpu["web"] * 1000 / total["rps"] if total.get("rps") else 0
    print(
        f"CPU in that window (cores of {os.cpu_count()}): web workers {cpu['web']:.2f} "
        f"({per_request:.0f} ms a request), Celery {cpu['celery']:.2f}, Locust "
        f"{cpu['locust']:.2f}, everything else {others:.2f} (PostgreSQL, Redis, other users)"
    )
    print()
    print(
        _table(
            ("group", "requests", "errors", "p50", "p95", "p99", "req/s", "p50 ×hz", "p95 ×hz", "target p95"),
            lines,
        )
    )  # fmt: skip
    if args.endpoints:
        names = sorted({(s["group"], s["name"]) for s in figures.measured})
        rows = []
        for group, name in names:
            stats = figures.stats(
                [s for s in figures.measured if s["group"] == group and s["name"] == name]
            )
            rows.append(
                (name, stats["n"], stats["errors"], _ms(stats["p50"]), _ms(stats["p95"]),
                 _ms(stats["p99"]))
            )  # fmt: skip
        print()
        print(_table(("endpoint", "requests", "errors", "p50", "p95", "p99"), rows))
    errors = figures.errors()
    if errors:
        print()
        print("Errors (first five kinds):")
        kinds = {}
        for sample in errors:
            kinds.setdefault((sample["name"], sample["error"]), 0)
            kinds[(sample["name"], sample["error"])] += 1
        for (name, error), count in sorted(kinds.items(), key=lambda kv: -kv[1])[:5]:
            print(f"  {count:>5}  {name}: {error}")
    verdicts = [("everyone signed in", figures.all_signed_in)]
    for group, label, targeted in GROUPS:
        p95 = figures.group(group)["p95"]
        if targeted == "ms":
            verdicts.append((f"{label} p95 ≤ {TARGET_MS} ms", p95 is not None and p95 <= TARGET_MS))
        elif targeted == "healthz":
            limit = DASHBOARD_TIMES_HEALTHZ * (health["p95"] or 0)
            verdicts.append(
                (
                    f"{label} p95 ≤ {DASHBOARD_TIMES_HEALTHZ:g}× /healthz p95 ({limit:.0f} ms)",
                    p95 is not None and p95 <= limit,
                )
            )
    verdicts.append(("no errors", not errors))
    print()
    print("Targets: " + "; ".join(f"{what} {'ok' if met else 'MISSED'}" for what, met in verdicts))
    return verdicts
