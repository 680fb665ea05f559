"""Pushes to connected chat clients over the channel layer, sent after commit.

A push is a live nicety on top of stored messages: with the layer down it is dropped
(logged when the layer goes, not per push) and the clients catch up from the history.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from core.lazy import lazy_import

redis = lazy_import("redis")  # only the Redis layer raises its errors; loaded then
logger = logging.getLogger(__name__)
_failing = {"now": False}


def visitor_group(conversation_id):
    return f"chat-{conversation_id}"


def adviser_group(user_id):
    return f"adviser-{user_id}"


def _send(group, payload):
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "chat.event", "payload": payload})
    except (redis.RedisError, OSError) as error:
        if not _failing["now"]:
            logger.warning(
                "chat pushes dropped: channel layer unavailable (%s)", type(error).__name__
            )
        _failing["now"] = True
    else:
        _failing["now"] = False


def push(group, payload):
    """Send `payload` as-is to every socket in `group` once the transaction commits."""
    transaction.on_commit(lambda: _send(group, payload))
