"""A small benchmark harness: timings with p50/p95, each beside a baseline from the same run.

Django is set up on a temporary SQLite database (migrated once, as a template)
before any benchmark module is imported; `ctx.fresh_database()` gives each
measured run its own copy, so runs neither see each other's rows nor pay for
the migration. Modules named bench_*.py define `run(ctx)` and return Rows.
"""

import argparse
import importlib
import itertools
import math
import os
import pkgutil
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass
class Timing:
    """Wall-clock seconds of repeated runs."""

    samples: list

    @property
    def p50(self):
        return statistics.median(self.samples)

    @property
    def p95(self):
        return percentile(self.samples, 95)


def percentile(samples, q):
    """Nearest-rank percentile: with few samples, p95 is the slowest run, never an interpolation."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Row:
    """One line of the table: a measured case, its baseline and, if any, its target for p95."""

    benchmark: str
    case: str
    timing: Timing
    baseline_case: str = ""
    baseline: Timing | None = None
    target: float | None = None
    note: str = ""

    @property
    def ratio(self):
        if self.baseline is None or self.baseline.p50 == 0:
            return None
        return self.timing.p50 / self.baseline.p50

    @property
    def met(self):
        return self.target is None or self.timing.p95 <= self.target


@dataclass
class Options:
    quick: bool = False
    repeat: int | None = None
    faq_corpus: Path | None = None
    faq_dev: Path | None = None
    # A second labelled set, only ever scored (never learned from).
    faq_dev2: Path | None = None
    only: list = field(default_factory=list)
    report_only: bool = False


class Context:
    """What a benchmark module gets: the options, fresh databases and a timer."""

    def __init__(self, *, options, workdir, template):
        self.options = options
        self.workdir = workdir
        self.template = template
        self._numbers = itertools.count(1)

    def repeat(self, default):
        return self.options.repeat or default

    @contextmanager
    def fresh_database(self):
        """Point Django at a new copy of the migrated template for the duration of the block."""
        path = self.workdir / f"run-{next(self._numbers)}.sqlite3"
        shutil.copyfile(self.template, path)
        _use_database(path)
        try:
            yield path
        finally:
            _use_database(self.template)
            path.unlink(missing_ok=True)

    def measure(self, fn, *, repeat, fresh_database=False, check=None):
        """Time `fn()` `repeat` times; `check()` runs untimed after each, e.g. to verify rows."""
        samples = []
        for _ in range(repeat):
            with self.fresh_database() if fresh_database else nullcontext():
                started = time.perf_counter()
                fn()
                samples.append(time.perf_counter() - started)
                if check is not None:
                    check()
        return Timing(samples)


def _use_database(path):
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = str(path)
    # Copies share the template's content type ids, but a stale cache would hide a mistake.
    ContentType.objects.clear_cache()


def setup_django(workdir):
    """Configure Django on a temporary SQLite file, migrate it, and return its path."""
    template = workdir / "template.sqlite3"
    if os.environ.pop("DATABASE_URL", None):
        print("DATABASE_URL is ignored: benchmarks write to a temporary SQLite database.")
    os.environ["SQLITE_PATH"] = str(template)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connections

    connections.close_all()
    return template


def discover(only=()):
    """Import every benchmarks.bench_* module (or those named in `only`), in name order."""
    import benchmarks

    names = sorted(
        info.name
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith("bench_")
    )
    if only:
        wanted = {name if name.startswith("bench_") else f"bench_{name}" for name in only}
        unknown = wanted - set(names)
        if unknown:
            raise SystemExit(
                f"No benchmark named {', '.join(sorted(unknown))}; there are {', '.join(names)}."
            )
        names = [name for name in names if name in wanted]
    return [importlib.import_module(f"benchmarks.{name}") for name in names]


def format_seconds(seconds):
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def format_table(rows):
    header = ("benchmark", "case", "runs", "p50", "p95", "baseline", "base p50", "×base", "target")
    lines = []
    for row in rows:
        verdict = "" if row.target is None else (" ok" if row.met else " MISSED")
        lines.append(
            (
                row.benchmark,
                row.case,
                str(len(row.timing.samples)),
                format_seconds(row.timing.p50),
                format_seconds(row.timing.p95),
                row.baseline_case or "-",
                format_seconds(row.baseline.p50) if row.baseline else "-",
                f"{row.ratio:.1f}" if row.ratio is not None else "-",
                (format_seconds(row.target) + verdict) if row.target is not None else "-",
            )
        )
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    numeric = {2, 3, 4, 6, 7}

    def render(cells):
        return "  ".join(
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [render(header), render(["-" * width for width in widths])]
    out += [render(cells) for cells in lines]
    notes = [f"  {row.benchmark} / {row.case}: {row.note}" for row in rows if row.note]
    if notes:
        out += ["", "notes:", *notes]
    return "\n".join(out)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run the benchmarks and print p50/p95 beside a baseline from the same run.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="Smaller sizes and fewer runs, for CI."
    )
    parser.add_argument("--repeat", type=int, help="Runs per case (default: per benchmark).")
    parser.add_argument("--faq-corpus", type=Path, help="FAQ corpus (JSON lines).")
    parser.add_argument("--faq-dev", type=Path, help="Labelled FAQ questions (JSON lines).")
    parser.add_argument(
        "--faq-dev2",
        type=Path,
        help="A second labelled set, scored with what the first taught (never learned from).",
    )
    parser.add_argument(
        "--only", action="append", default=[], help="Run only this benchmark (repeatable)."
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="Exit 0 even when a case misses its target (CI proves the benchmarks run).",
    )
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    for name in ("faq_corpus", "faq_dev", "faq_dev2"):
        path = getattr(args, name)
        if path is not None and not path.is_file():
            parser.error(f"--{name.replace('_', '-')}: no file at {path}")
    return Options(
        quick=args.quick,
        repeat=args.repeat,
        faq_corpus=args.faq_corpus,
        faq_dev=args.faq_dev,
        faq_dev2=args.faq_dev2,
        only=args.only,
        report_only=args.report_only,
    )


def main(argv=None):
    options = parse_args(sys.argv[1:] if argv is None else argv)
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))
    with tempfile.TemporaryDirectory(prefix="ipcustody-bench-") as tmp:
        workdir = Path(tmp)
        template = setup_django(workdir)
        ctx = Context(options=options, workdir=workdir, template=template)
        rows = []
        started = time.perf_counter()
        for module in discover(options.only):
            name = module.__name__.rsplit(".", 1)[1]
            print(f"running {name}{' (quick)' if options.quick else ''} …", flush=True)
            rows.extend(module.run(ctx))
        from django.db import connections

        connections.close_all()
    print()
    print(format_table(rows))
    print(f"\n{len(rows)} cases in {time.perf_counter() - started:.1f} s.")
    missed = [row for row in rows if not row.met]
    if missed:
        print(f"{len(missed)} case(s) missed their target.")
        return 0 if options.report_only else 1
    return 0
