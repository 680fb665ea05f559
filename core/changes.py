"""When the programme's data last changed: every audited state change marks it on commit.

Read models (the dashboards' snapshots) compare their age with this mark, and listen
to `committed` to schedule their refresh.
"""

import time

from django.core.cache import cache
from django.db import transaction
from django.dispatch import Signal

CHANGED_KEY = "core:data-changed-at"

# Sent once a transaction holding an audited change has committed (no arguments).
committed = Signal()


def data_changed():
    """Mark the data changed, once the current transaction (if any) commits."""
    transaction.on_commit(_mark)


def _mark():
    cache.set(CHANGED_KEY, time.time(), timeout=None)
    committed.send(sender=None)


def data_changed_at():
    return cache.get(CHANGED_KEY, 0)
