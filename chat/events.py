"""Pushes to connected chat clients over the channel layer, sent after commit."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def visitor_group(conversation_id):
    return f"chat-{conversation_id}"


def adviser_group(user_id):
    return f"adviser-{user_id}"


def _send(group, payload):
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group, {"type": "chat.event", "payload": payload})


def push(group, payload):
    """Send `payload` as-is to every socket in `group` once the transaction commits."""
    transaction.on_commit(lambda: _send(group, payload))
