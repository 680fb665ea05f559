"""A Redis cache that degrades to "no cache" while Redis is unreachable.

Every read misses and every write is dropped, so pages are computed as if the cache
were empty instead of answering 500. The outage is logged once when it starts and
once when Redis answers again, not on every request. Timeouts are short so a Redis
that hangs costs a request about a second, not a worker.
"""

import logging
import re
import threading

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_GLOB_SPECIAL = re.compile(r"[*?\[\]\\]")
_CLEAR_BATCH = 1000

_state = {"down": False}
_lock = threading.Lock()


def cache_is_down():
    return _state["down"]


def _went_down(error):
    with _lock:
        if _state["down"]:
            return
        _state["down"] = True
    logger.warning(
        "cache unavailable (%s): serving without it until it answers", type(error).__name__
    )


def _came_back():
    if not _state["down"]:
        return
    with _lock:
        if not _state["down"]:
            return
        _state["down"] = False
    logger.warning("cache available again")


def _degrading(name, fallback):
    method = getattr(RedisCache, name)

    def call(self, *args, **kwargs):
        try:
            result = method(self, *args, **kwargs)
        except (RedisError, OSError) as error:
            _went_down(error)
            return fallback(*args, **kwargs)
        _came_back()
        return result

    call.__name__ = name
    return call


def _default(key, default=None, version=None):
    return default


def _incr(key, delta=1, version=None):
    # Counters (throttles, connection limits) count from nothing: they let the request in.
    return delta


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        options = params.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 1)
        super().__init__(server, params)

    get = _degrading("get", _default)
    add = _degrading("add", lambda *a, **k: False)
    set = _degrading("set", lambda *a, **k: None)
    touch = _degrading("touch", lambda *a, **k: False)
    delete = _degrading("delete", lambda *a, **k: False)
    get_many = _degrading("get_many", lambda *a, **k: {})
    has_key = _degrading("has_key", lambda *a, **k: False)
    incr = _degrading("incr", _incr)
    set_many = _degrading("set_many", lambda *a, **k: [])
    delete_many = _degrading("delete_many", lambda *a, **k: None)

    def clear(self):
        """Deletes this cache's own keys, not the whole Redis database.

        Django's RedisCache.clear() is FLUSHDB. The channel layer's groups and Celery's
        queue live in the same database (one REDIS_URL), so a flush would drop queued
        jobs and cut every open chat off its conversation's group. Keys are
        "<KEY_PREFIX>:<version>:<key>" (Django's default key function).
        """
        own_keys = _GLOB_SPECIAL.sub(r"\\\g<0>", self.key_prefix) + ":*"
        try:
            client = self._cache.get_client(write=True)
            batch = []
            for key in client.scan_iter(match=own_keys, count=_CLEAR_BATCH):
                batch.append(key)
                if len(batch) == _CLEAR_BATCH:
                    client.unlink(*batch)
                    batch.clear()
            if batch:
                client.unlink(*batch)
        except (RedisError, OSError) as error:
            _went_down(error)
            return False
        _came_back()
        return True
