"""Whether live chat can work: the channel layer it needs answers.

Checked at most every few seconds per process (a Redis PING with a short timeout),
so a page pays nothing while the layer is up and half a second at worst while it is
down. A change either way is logged once. The in-memory layer is always there.
"""

import logging
import threading
import time

from django.conf import settings

from core.lazy import lazy_import

redis = lazy_import("redis")  # pinged only with a Redis channel layer

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 5.0
_memo = {"checked": float("-inf"), "available": True}
_lock = threading.Lock()


def _address():
    layer = settings.CHANNEL_LAYERS["default"]
    hosts = layer.get("CONFIG", {}).get("hosts") or []
    if not hosts:
        return None
    host = hosts[0]
    return host.get("address") if isinstance(host, dict) else host


def _ping(address):
    client = redis.Redis.from_url(address, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def live_chat_available(*, now=None):
    address = _address()
    if address is None:
        return True
    now = time.monotonic() if now is None else now
    with _lock:
        if now - _memo["checked"] < RECHECK_SECONDS:
            return _memo["available"]
        _memo["checked"] = now
    available = _ping(address)
    if available != _memo["available"]:
        logger.warning("live chat %s", "available again" if available else "unavailable")
    _memo["available"] = available
    return available


def forget():
    """Check again on the next call (tests, and after a configuration change)."""
    _memo["checked"] = float("-inf")
    _memo["available"] = True
