"""Concurrent service logs on PostgreSQL: the engagement row lock keeps them within the quota."""

import threading

import pytest
from django.db import connection, connections

from custody import service_actions
from custody.models import ServiceRecord
from marketplace.errors import ActionError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("race tests need PostgreSQL row locks (run with DATABASE_URL)")


def _race(workers):
    """Run the callables at once; return their results (exceptions included)."""
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


def test_twenty_concurrent_logs_never_over_deliver(personas, engagement):
    item = engagement.items.get(service_item__area="consulting")  # quota 2
    day = engagement.starts_on

    def log():
        return service_actions.service_record_log(
            engagement=engagement,
            item=item,
            quantity=1,
            delivered_on=day,
            description="并发记录",
            by=personas.agency_consultant,
            today=day,
        )

    results = _race([log] * 20)

    logged = [r for r in results if isinstance(r, ServiceRecord)]
    refused = [r for r in results if isinstance(r, ActionError)]
    assert len(logged) == item.quota
    assert len(refused) == 20 - item.quota
    assert all(r.code == "quota_exceeded" for r in refused)
    assert ServiceRecord.objects.filter(item=item).count() == item.quota
