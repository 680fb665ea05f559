"""When the programme's data last changed: every audited state change marks it on commit.

Cached read models (the dashboards' figures) compare their age with this mark.
"""

import time

from django.core.cache import cache
from django.db import transaction

CHANGED_KEY = "core:data-changed-at"


def data_changed():
    """Mark the data changed, once the current transaction (if any) commits."""
    transaction.on_commit(lambda: cache.set(CHANGED_KEY, time.time(), timeout=None))


def data_changed_at():
    return cache.get(CHANGED_KEY, 0)
