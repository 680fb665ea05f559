"""Dashboard figures computed once and shared, with the moment they were computed.

Under load every officer opening the programme dashboard recomputed the same city-wide
aggregates. Now a figure set is kept in the cache per dashboard, scope (who may see
what) and filters, and served while it is fresh: for `FRESH_SECONDS` whatever happens,
and up to `MAX_SECONDS` as long as no state change was recorded since (every action
writes an audit event, which marks the data changed once it commits: core.changes). The page shows
when its figures were computed, so a reader knows their age.
"""

import time

from django.core.cache import cache

from core.changes import data_changed_at

FRESH_SECONDS = 30
MAX_SECONDS = 600


def filters_key(filters):
    return (
        f"{filters.year.pk}:{filters.district}:{filters.park_id or ''}:"
        f"{filters.incubator_id or ''}:{filters.industry}"
    )


def figures(kind, scope, key, compute, *, now=None):
    """(figures, computed at as a Unix time) of one dashboard, computed only when stale."""
    now = time.time() if now is None else now
    cache_key = f"reporting:figures:{kind}:{scope}:{key}"
    entry = cache.get(cache_key)
    if entry is not None:
        age = now - entry["at"]
        changed_at = data_changed_at()
        if 0 <= age < FRESH_SECONDS or (changed_at <= entry["at"] and age < MAX_SECONDS):
            return entry["figures"], entry["at"]
    computed = compute()
    cache.set(cache_key, {"figures": computed, "at": now}, timeout=MAX_SECONDS)
    return computed, now
