"""Signed webhook events, delivered by hand or by a background thread."""

import json
import time

from tests.custody.payments.fake_stripe.support import Delivery, _post, sign


class WebhooksMixin:
    # --- Webhooks ------------------------------------------------------------------------

    def signed_event(self, event, timestamp=None):
        """(payload bytes, Stripe-Signature header) for an event or event id, as delivered."""
        payload = self._payload(event)
        return payload, sign(payload, self.webhook_secret, timestamp)

    def deliver(self, event, signature=None, timestamp=None):
        """POST one event (or event id) to `webhook_url`; returns (status, body text).

        `signature` replaces the Stripe-Signature header as given, to forge one;
        `timestamp` signs with another time, to deliver a stale event.
        """
        if not self.webhook_url:
            raise RuntimeError("set webhook_url before delivering events")
        payload = self._payload(event)
        header = (
            signature if signature is not None else sign(payload, self.webhook_secret, timestamp)
        )
        event_id = json.loads(payload)["id"]
        status, body = _post(
            self.webhook_url,
            payload,
            {
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": header,
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
        )
        text = body.decode("utf-8", errors="replace")
        with self._lock:
            self.deliveries.append(Delivery(event_id, status, text))
            if 200 <= status < 300 and event_id in self._pending:
                self._pending.remove(event_id)
        return status, text

    def deliver_all(self):
        """Deliver every pending event in order; returns their (status, body) answers."""
        return [self.deliver(event["id"]) for event in self.pending_events()]

    def wait_for_deliveries(self, timeout=5.0):
        """With deliver="auto": wait until every queued event was attempted; False on timeout."""
        with self._outbox_ready:
            return self._outbox_ready.wait_for(lambda: self._outstanding == 0, timeout)

    def _payload(self, event):
        event_id = event if isinstance(event, str) else event["id"]
        with self._lock:
            # Stripe sends pretty-printed JSON; the signature covers these exact bytes.
            return json.dumps(self._objects[event_id], indent=2).encode("utf-8")

    def _release(self, events):
        """Hand events to the delivery thread: called once the response has been sent."""
        if self.deliver_mode != "auto" or not events:
            return
        with self._outbox_ready:
            self._outbox.extend(event["id"] for event in events)
            self._outstanding += len(events)
            self._outbox_ready.notify_all()

    def _deliver_forever(self):
        while True:
            with self._outbox_ready:
                self._outbox_ready.wait_for(lambda: self._outbox or self._stopping)
                if self._stopping:
                    return
                event_id = self._outbox.pop(0)
            try:
                self._deliver_with_retries(event_id)
            finally:
                with self._outbox_ready:
                    self._outstanding -= 1
                    self._outbox_ready.notify_all()

    def _deliver_with_retries(self, event_id):
        for delay in (0, *self.delivery_retry_delays):
            time.sleep(delay)
            if not self.webhook_url:
                return
            try:
                status, _ = self.deliver(event_id)
            except OSError as error:
                with self._lock:
                    self.deliveries.append(Delivery(event_id, 0, str(error)))
                continue
            if 200 <= status < 300:
                return
