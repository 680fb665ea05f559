"""Liveness and readiness for the process manager and the load balancer.

/healthz answers as long as the process serves requests. /readyz checks what a
request needs: the database always; with Redis configured, the cache, the channel
layer and Celery's broker. It answers 503 naming each dependency that failed.
"""

import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache():
    key = f"readyz-{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)


def _channel_layer():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.send)(channel, {"type": "readyz"})
    if async_to_sync(layer.receive)(channel).get("type") != "readyz":
        raise RuntimeError("channel layer did not deliver")


def _celery_broker():
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def checks():
    named = [("database", _database)]
    if settings.REDIS_URL:
        named += [("cache", _cache), ("channel_layer", _channel_layer), ("celery", _celery_broker)]
    return named


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    results = {}
    for name, check in checks():
        try:
            check()
        except Exception as error:
            # The kind of error only: messages may carry connection strings.
            logger.warning("readiness check %s failed: %s", name, type(error).__name__)
            results[name] = "failed"
        else:
            results[name] = "ok"
    ready = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results},
        status=200 if ready else 503,
    )
