"""Deletions that sync clients must hear about, written in the deleting transaction."""

from django.utils import timezone

from core.models import Tombstone


def tombstones_record(*, resource, object_ids, firm_id=None, incubator_id=None, now=None):
    """Record that the rows `object_ids` of `resource` (the API's list name) were deleted."""
    now = now or timezone.now()
    Tombstone.objects.bulk_create(
        Tombstone(
            resource=resource,
            object_id=object_id,
            firm_id=firm_id,
            incubator_id=incubator_id,
            deleted_at=now,
        )
        for object_id in object_ids
    )
