"""Benchmarks, run as `python -m benchmarks [--quick]`.

Every module named bench_*.py in this package defines `run(ctx)` returning
rows for the table; see benchmarks.harness for the context it receives.
"""
