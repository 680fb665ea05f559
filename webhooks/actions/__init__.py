from webhooks.actions.deliveries import (
    deliveries_flush,
    delivery_replay,
    delivery_send,
    event_record,
)
from webhooks.actions.endpoints import (
    endpoint_create,
    endpoint_delete,
    endpoint_rotate_secret,
    endpoint_update,
)

__all__ = [
    "deliveries_flush",
    "delivery_replay",
    "delivery_send",
    "endpoint_create",
    "endpoint_delete",
    "endpoint_rotate_secret",
    "endpoint_update",
    "event_record",
]
