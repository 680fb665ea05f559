"""Concurrent service logs on PostgreSQL: the engagement row lock keeps them within the quota."""

from core.errors import ActionError
from custody import service_actions
from custody.models import ServiceRecord
from tests.races import RACE_MARKS, postgres_only, race  # noqa: F401 (autouse fixture)

pytestmark = RACE_MARKS


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

    results = race([log] * 20)

    logged = [r for r in results if isinstance(r, ServiceRecord)]
    refused = [r for r in results if isinstance(r, ActionError)]
    assert len(logged) == item.quota
    assert len(refused) == 20 - item.quota
    assert all(r.code == "quota_exceeded" for r in refused)
    assert ServiceRecord.objects.filter(item=item).count() == item.quota
