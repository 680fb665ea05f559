"""The documented check (webhooks/verification.py) accepts what the product signs and detects
a forged body, a wrong secret, a capture replayed later and a delivery seen before."""

import json

from webhooks import signing
from webhooks.verification import TOLERANCE_SECONDS, handle_webhook, verify_webhook

SECRET = "whsec_test-secret"
BODY = json.dumps({"id": "6f1c", "type": "offer.received"}).encode()
NOW = 1_800_000_000


def _headers(body=BODY, secret=SECRET, timestamp=NOW, event_id="6f1c"):
    return signing.headers(
        secret=secret,
        timestamp=timestamp,
        body=body,
        event_id=event_id,
        event_type="offer.received",
    )


def test_a_signed_delivery_verifies():
    assert verify_webhook(SECRET, BODY, _headers(), now=NOW)
    assert verify_webhook(SECRET, BODY, _headers(), now=NOW + TOLERANCE_SECONDS)


def test_a_forged_delivery_is_detected():
    headers = _headers()
    assert not verify_webhook(SECRET, BODY.replace(b"offer", b"payout"), headers, now=NOW)
    assert not verify_webhook(SECRET, BODY, _headers(secret="whsec_guessed"), now=NOW)
    tampered = dict(headers, **{"X-Webhook-Timestamp": str(NOW + 1)})
    assert not verify_webhook(SECRET, BODY, tampered, now=NOW)
    unsigned = {k: v for k, v in headers.items() if k != "X-Webhook-Signature"}
    assert not verify_webhook(SECRET, BODY, unsigned, now=NOW)


def test_a_replayed_capture_is_detected():
    headers = _headers()
    # Later than the tolerance: refused by the timestamp however well it is signed.
    assert not verify_webhook(SECRET, BODY, headers, now=NOW + TOLERANCE_SECONDS + 1)
    # Within it: the event id was seen, so it is acknowledged and not processed again.
    seen, processed = set(), []
    assert handle_webhook(SECRET, BODY, headers, seen, processed.append, now=NOW) == 200
    assert handle_webhook(SECRET, BODY, headers, seen, processed.append, now=NOW) == 200
    assert len(processed) == 1
    assert handle_webhook("whsec_other", BODY, headers, seen, processed.append, now=NOW) == 400


def test_the_signature_covers_timestamp_and_body():
    assert signing.signature(SECRET, NOW, BODY) != signing.signature(SECRET, NOW + 1, BODY)
    assert signing.signature(SECRET, NOW, BODY).startswith("sha256=")
