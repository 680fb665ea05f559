"""The signature of a delivery: HMAC-SHA256 with the endpoint's secret over "timestamp.body".

Receivers check it with `webhooks/verification.py` (the guide prints that file), so the
signing here and the documented check are tested against each other.
"""

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Webhook-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
EVENT_ID_HEADER = "X-Webhook-Id"
EVENT_TYPE_HEADER = "X-Webhook-Event"


def new_secret():
    return f"whsec_{secrets.token_urlsafe(32)}"


def signature(secret, timestamp, body):
    """`sha256=<hex>` over the timestamp (whole seconds), a dot and the raw body bytes."""
    message = str(int(timestamp)).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(*, secret, timestamp, body, event_id, event_type):
    return {
        "Content-Type": "application/json",
        "User-Agent": "ipcustody-webhooks/1",
        EVENT_ID_HEADER: str(event_id),
        EVENT_TYPE_HEADER: event_type,
        TIMESTAMP_HEADER: str(int(timestamp)),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
