"""Clearing the cache deletes the cache's keys only, never the rest of its Redis database.

The channel layer's groups and Celery's queue share that database (one REDIS_URL).
Django's own RedisCache.clear() is FLUSHDB: a clear on one test worker once cut a chat
visitor on the other worker off their conversation's group, and in production it would
drop queued jobs.
"""

import asyncio
import os
import uuid

import pytest
import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache

from core.cache import FallbackRedisCache

REDIS_URL = os.environ.get("REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs Redis (REDIS_URL)")


def _cache(prefix):
    return FallbackRedisCache(REDIS_URL, {"KEY_PREFIX": prefix})


def test_clear_deletes_its_own_keys_and_leaves_other_prefixes_and_foreign_keys():
    run = uuid.uuid4().hex
    # A glob character in the prefix must not widen the match to the neighbour's keys.
    mine, neighbour = _cache(f"{run}-*"), _cache(f"{run}-other")
    foreign = f"{run}:celery-queue"
    raw = redis.Redis.from_url(REDIS_URL)
    try:
        mine.set_many({f"k{i}": i for i in range(1_500)})  # more than one SCAN/UNLINK batch
        neighbour.set("kept", 1)
        raw.rpush(foreign, "a queued job")

        assert mine.clear() is True

        assert mine.get_many([f"k{i}" for i in range(1_500)]) == {}
        assert neighbour.get("kept") == 1
        assert raw.lrange(foreign, 0, -1) == [b"a queued job"]
    finally:
        neighbour.clear()
        raw.delete(foreign)


def test_a_channel_group_still_hears_after_the_cache_is_cleared():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("conversation-1", channel)

    cache.set("page", "cached")
    cache.clear()

    async def hear():
        await layer.group_send("conversation-1", {"type": "chat.joined"})
        return await asyncio.wait_for(layer.receive(channel), timeout=5)

    assert async_to_sync(hear)() == {"type": "chat.joined"}
    assert cache.get("page") is None
