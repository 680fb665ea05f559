# Verify a webhook from the IP Custody Marketplace (Python 3, standard library only).
import hashlib
import hmac
import json
import time

TOLERANCE_SECONDS = 300  # refuse deliveries signed longer ago than this (replayed captures)


def verify_webhook(secret, body, headers, now=None):
    """True when `body` (the raw request bytes) was signed with `secret` within the tolerance."""
    try:
        timestamp = int(headers["X-Webhook-Timestamp"])
        signature = headers["X-Webhook-Signature"]
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False  # signed too long ago (or in the future): a replay
    message = str(timestamp).encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)  # False: forged, or the body was changed


def handle_webhook(secret, body, headers, seen_ids, process, now=None):
    """The HTTP status to answer. `seen_ids`: the X-Webhook-Id values handled (a set, or a
    table with a unique key), kept at least TOLERANCE_SECONDS; `process(event)` does the work."""
    if not verify_webhook(secret, body, headers, now=now):
        return 400
    event_id = headers["X-Webhook-Id"]
    if event_id in seen_ids:
        return 200  # a retry or replay of an event already handled: acknowledge, do nothing
    process(json.loads(body))
    seen_ids.add(event_id)
    return 200
