"""Limits of the chat WebSocket per client address, shared by every worker through the cache.

A visitor's address is the socket's peer, or, behind a proxy that the settings trust
(TRUST_X_FORWARDED_FOR), the address that proxy appended last to X-Forwarded-For: the
same address the REST throttle keys on (REST_FRAMEWORK["NUM_PROXIES"]). Earlier entries
of the header are whatever the client wrote, so they are never believed.
"""

import contextlib
import time

from django.conf import settings
from django.core.cache import cache

# A counter outlives a worker that died without releasing it by at most this long.
CONNECTION_TTL = 3600


def client_address(scope):
    """The client's address for an ASGI scope (see the module's note on proxies)."""
    if settings.TRUST_X_FORWARDED_FOR:
        for name, value in scope.get("headers") or ():
            if name == b"x-forwarded-for":
                hops = [hop.strip() for hop in value.decode("latin-1").split(",") if hop.strip()]
                if hops:
                    return hops[-1]
    client = scope.get("client")
    return client[0] if client else ""


def _connections_key(address):
    return f"chat:ws:connections:{address}"


async def connection_open(address):
    """Count a new socket of `address`; False (and nothing counted) when it has too many."""
    limit = settings.CHAT_WS_CONNECTIONS_PER_ADDRESS
    if not limit or not address:
        return True
    key = _connections_key(address)
    await cache.aadd(key, 0, timeout=CONNECTION_TTL)
    try:
        count = await cache.aincr(key)
    except ValueError:  # evicted between add and incr
        await cache.aset(key, 1, timeout=CONNECTION_TTL)
        count = 1
    if count > limit:
        await connection_close(address)
        return False
    return True


async def connection_close(address):
    if not settings.CHAT_WS_CONNECTIONS_PER_ADDRESS or not address:
        return
    # A counter that expired meanwhile has nothing left to release.
    with contextlib.suppress(ValueError):
        await cache.adecr(_connections_key(address))


async def message_allowed(address, now=None):
    """One more frame from `address` within CHAT_WS_MESSAGES_PER_ADDRESS per window?"""
    limit, window = settings.CHAT_WS_MESSAGES_PER_ADDRESS
    if not limit or not address:
        return True
    slot = int((time.time() if now is None else now) // window)
    key = f"chat:ws:messages:{address}:{slot}"
    await cache.aadd(key, 0, timeout=int(window) + 1)
    try:
        count = await cache.aincr(key)
    except ValueError:
        await cache.aset(key, 1, timeout=int(window) + 1)
        count = 1
    return count <= limit
