"""Running the product against the fake Stripe: settings, event delivery, the common steps."""

import json

import pytest
from django.urls import reverse

from tests.custody.payments.fake_stripe import sign

WEBHOOK_SECRET = "whsec_test_secret"
WEBHOOK_URL = "/payments/stripe/webhook/"


def post_event(client, event, *, secret=WEBHOOK_SECRET, timestamp=None, signature=None):
    """POST one event to the webhook as Stripe would (signed with the real scheme)."""
    payload = json.dumps(event).encode()
    header = signature if signature is not None else sign(payload, secret, timestamp=timestamp)
    return client.post(
        WEBHOOK_URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def events_of(fake, *types):
    """Pending events of these types, in the order Stripe created them."""
    return [event for event in fake.pending_events() if not types or event["type"] in types]


def deliver_all(client, fake, capture):
    """Deliver every queued event once, running what each schedules after commit."""
    delivered = []
    while True:
        pending = [e for e in fake.pending_events() if e["id"] not in delivered]
        if not pending:
            return delivered
        for event in pending:
            with capture(execute=True):
                assert post_event(client, event).status_code == 200
            delivered.append(event["id"])


def checkout(client, engagement, member, capture):
    """The firm presses "Pay online"; returns the Checkout URL it was sent to."""
    client.force_login(member)
    with capture(execute=True):
        response = client.post(reverse("frontend:engagement-checkout", args=[engagement.pk]))
    assert response.status_code == 302, response
    return response["Location"]


@pytest.fixture(autouse=True)
def tasks_in_process():
    """Payment tasks run where they are sent, in both CI profiles: with Redis they would wait
    for a worker these tests do not start (the stack smoke test covers real workers)."""
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous
