"""make bench-load's figures and verdicts, from samples made up here (no stack is started)."""

import argparse

from benchmarks.load import figures as load_figures
from benchmarks.load import run


def _sample(at, group, ms, *, error=None, write=False, name="/x/"):
    return {"at": at, "group": group, "ms": ms, "error": error, "write": write, "name": name}


def _run(samples, *, measured_from=100.0):
    return {"started": 0.0, "measured_from": measured_from, "stopped": 200.0, "samples": samples}


def _report(figures, capsys):
    profile = argparse.Namespace(label="test stack")
    args = argparse.Namespace(users=50, endpoints=True)
    cpu = {"web": 0.5, "celery": 0.0, "locust": 0.1, "machine": 1.0}
    scale = run.SCALE
    verdicts = load_figures.report(
        figures, args=args, profile=profile, scale=scale, seed_note="reused",
        load_before=(0.5, 0.5, 0.5), load_after=(0.5, 0.5, 0.5), cpu=cpu,
    )  # fmt: skip
    return dict(verdicts), capsys.readouterr().out


def test_latency_counts_from_the_last_sign_in_and_errors_from_the_start(capsys):
    samples = [
        # Started before the last sign-in: warm-up, slow, not measured.
        _sample(100.5, "page", 2000),
        _sample(1.0, "login", 900, error="CatchResponseError: 500", name="login"),
        *[_sample(101.0 + n, "page", 100 + n) for n in range(20)],
        *[_sample(101.0 + n, "api", 50, write=True) for n in range(10)],
        *[_sample(101.0 + n, "healthz", 10) for n in range(10)],
    ]
    figures = load_figures.Figures(_run(samples))

    assert figures.group("page")["n"] == 20
    assert figures.group("page")["p95"] == 118  # nearest rank: the 19th of 20
    assert figures.window == 20.0  # from the last sign-in to the last answer
    assert len(figures.errors()) == 1
    verdicts, out = _report(figures, capsys)
    assert verdicts["pages p95 ≤ 300 ms"] and verdicts["API p95 ≤ 300 ms"]
    assert not verdicts["no errors"]
    assert "login: CatchResponseError: 500" in out
    pages = next(line for line in out.splitlines() if line.startswith("pages "))
    assert "10.9" in pages.split()  # p50 109 ms over /healthz's 10 ms


def test_a_slow_group_or_a_missing_sign_in_misses_the_targets(capsys):
    samples = [_sample(101.0 + n, "api", 400) for n in range(20)]
    verdicts, out = _report(load_figures.Figures(_run(samples)), capsys)
    assert not verdicts["API p95 ≤ 300 ms"]
    assert not verdicts["pages p95 ≤ 300 ms"]  # nothing measured is no pass
    assert "MISSED" in out

    verdicts, _out = _report(load_figures.Figures(_run(samples, measured_from=None)), capsys)
    assert not verdicts["everyone signed in"]
