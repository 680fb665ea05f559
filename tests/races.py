"""What every race-condition test shares: PostgreSQL only, and a way to start callables at once."""

import threading

import pytest
from django.db import connection, connections

# Module marks of a race test: real transactions, PostgreSQL's row locks.
RACE_MARKS = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgres_only():
    """Import into a race-test module: skips it on SQLite, whose locks serialise everything."""
    if connection.vendor != "postgresql":
        pytest.skip("race tests need PostgreSQL row locks (run with DATABASE_URL)")


def race(workers):
    """Run the callables at once, each in its own thread and connection; return their results
    (exceptions included)."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait()
            results[index] = work()
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, work)) for i, work in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
