"""The fake Stripe server, driven through the real stripe SDK as the product drives it."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import stripe

from tests.custody.payments.fake_stripe import FakeStripe, sign

SECRET = "whsec_test"


@pytest.fixture
def fake_stripe():
    with FakeStripe(webhook_secret=SECRET) as fake:
        yield fake


def client_for(fake, **kwargs):
    return stripe.StripeClient(
        "sk_test_fake",
        base_addresses={"api": fake.url, "connect": fake.url, "files": fake.url},
        max_network_retries=2,
        **kwargs,
    )


@pytest.fixture
def client(fake_stripe):
    return client_for(fake_stripe)


@pytest.fixture
def receiver():
    """A webhook endpoint on 127.0.0.1 that records deliveries and answers from a script."""
    with _Receiver() as endpoint:
        yield endpoint


class _Receiver:
    def __init__(self):
        self.received = []  # (Stripe-Signature header, raw body)
        self.statuses = []  # answers to give, in order; 200 once they run out
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((self.headers["Stripe-Signature"], body))
                self.send_response(outer.statuses.pop(0) if outer.statuses else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/stripe/"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()


def create_session(client, amount=12_000, **extra):
    params = {
        "mode": "payment",
        "client_reference_id": "engagement-5",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "cny",
                    "unit_amount": amount,
                    "product_data": {"name": "IP custody co-payment"},
                },
            }
        ],
        "metadata": {"engagement": 5, "copayment": 9},
        "payment_intent_data": {"metadata": {"engagement": 5, "copayment": 9}},
        "success_url": "http://testserver/paid/?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://testserver/cancelled/",
        **extra,
    }
    return client.v1.checkout.sessions.create(params=params)


def paid_intent(fake, client, amount=12_000):
    session = create_session(client, amount)
    fake.pay(session.id)
    return client.v1.checkout.sessions.retrieve(session.id).payment_intent


def onboarded_account(fake, client):
    account = client.v1.accounts.create(params={"type": "express", "country": "CN"})
    fake.complete_onboarding(account.id)
    return account.id


# --- Checkout ----------------------------------------------------------------------------


def test_checkout_session_has_stripes_shape(fake_stripe, client):
    session = create_session(client, amount=6_000)
    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.url == f"{fake_stripe.url}/checkout/{session.id}"
    assert (session.status, session.payment_status, session.payment_intent) == (
        "open",
        "unpaid",
        None,
    )
    assert (session.amount_total, session.currency) == (6_000, "cny")
    # Stripe stores metadata values as strings, whatever the client sent.
    assert session.metadata.to_dict() == {"engagement": "5", "copayment": "9"}
    assert session.livemode is False
    assert client.v1.checkout.sessions.retrieve(session.id).id == session.id


def test_session_without_line_items_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(
            params={"mode": "payment", "success_url": "http://testserver/paid/"}
        )
    assert caught.value.code == "parameter_missing"
    assert caught.value.param == "line_items"


def test_paying_completes_the_session_and_creates_intent_charge_and_balance(fake_stripe, client):
    session = create_session(client)

    fake_stripe.pay(session.id)

    session = client.v1.checkout.sessions.retrieve(session.id)
    assert (session.status, session.payment_status) == ("complete", "paid")
    intent = client.v1.payment_intents.retrieve(session.payment_intent)
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 12_000, "cny")
    assert intent.metadata.to_dict() == {"engagement": "5", "copayment": "9"}
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount, charge.amount_refunded, charge.refunded) == (12_000, 0, False)
    [transaction] = fake_stripe.objects("balance_transaction")
    assert transaction["id"] == charge.balance_transaction
    assert (transaction["type"], transaction["amount"], transaction["net"]) == (
        "charge",
        12_000,
        12_000,
    )
    assert transaction["source"] == charge.id
    assert {event["type"] for event in fake_stripe.pending_events()} == {
        "checkout.session.completed",
        "payment_intent.succeeded",
        "charge.succeeded",
    }


def test_the_hosted_page_shows_the_amount_and_its_pay_button_redirects(fake_stripe, client):
    session = create_session(client, amount=12_345)

    page = requests.get(session.url, timeout=5)
    assert "123.45 CNY" in page.text
    assert "Pay</button>" in page.text
    assert 'href="http://testserver/cancelled/"' in page.text

    paid = requests.post(f"{session.url}/pay", allow_redirects=False, timeout=5)

    assert paid.status_code == 303
    assert paid.headers["Location"] == f"http://testserver/paid/?session={session.id}"
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"
    # Submitting the form again pays nothing more.
    requests.post(f"{session.url}/pay", allow_redirects=False, timeout=5)
    assert len(fake_stripe.objects("payment_intent")) == 1


def test_expiring_a_session(fake_stripe, client):
    session = create_session(client)

    expired = client.v1.checkout.sessions.expire(session.id)

    assert (expired.status, expired.url) == ("expired", None)
    assert fake_stripe.events[-1]["type"] == "checkout.session.expired"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)


def test_expand_inlines_the_objects(fake_stripe, client):
    session = create_session(client)
    fake_stripe.pay(session.id)

    session = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.latest_charge"]}
    )

    assert session.payment_intent.latest_charge.object == "charge"


# --- Refunds -----------------------------------------------------------------------------


def test_partial_then_full_refund_then_over_refund(fake_stripe, client):
    intent_id = paid_intent(fake_stripe, client)

    partial = client.v1.refunds.create(
        params={"payment_intent": intent_id, "amount": 2_000, "metadata": {"refund": 1}}
    )
    rest = client.v1.refunds.create(params={"payment_intent": intent_id})

    assert (partial.status, partial.amount, rest.amount) == ("succeeded", 2_000, 10_000)
    charge = client.v1.charges.retrieve(partial.charge)
    assert (charge.amount_refunded, charge.refunded) == (12_000, True)
    assert client.v1.refunds.retrieve(partial.id).metadata.to_dict() == {"refund": "1"}
    refund_rows = [
        row["amount"]
        for row in fake_stripe.objects("balance_transaction")
        if row["type"] == "refund"
    ]
    assert refund_rows == [-2_000, -10_000]
    charge_refunded = [e for e in fake_stripe.events if e["type"] == "charge.refunded"]
    assert charge_refunded[-1]["data"]["object"]["refunded"] is True
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 1})
    assert caught.value.code == "charge_already_refunded"


def test_refunding_more_than_remains_is_refused(fake_stripe, client):
    intent_id = paid_intent(fake_stripe, client)
    client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 11_000})

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 1_001})

    assert caught.value.code == "amount_too_large"
    assert caught.value.http_status == 400
    assert len(fake_stripe.objects("refund")) == 1


# --- Connect -----------------------------------------------------------------------------


def test_onboarding_through_the_hosted_page(fake_stripe, client):
    account = client.v1.accounts.create(
        params={"type": "express", "email": "agency@example.com", "metadata": {"agency": 3}}
    )
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (
        False,
        False,
        False,
    )
    link = client.v1.account_links.create(
        params={
            "account": account.id,
            "refresh_url": "http://testserver/connect/refresh/",
            "return_url": "http://testserver/connect/return/",
            "type": "account_onboarding",
        }
    )
    assert link.object == "account_link"

    page = requests.get(link.url, timeout=5)
    token = link.url.split("token=")[1]
    done = requests.post(
        f"{fake_stripe.url}/connect/onboard/{account.id}",
        data={"token": token},
        allow_redirects=False,
        timeout=5,
    )

    assert "Complete onboarding</button>" in page.text
    assert (done.status_code, done.headers["Location"]) == (
        303,
        "http://testserver/connect/return/",
    )
    account = client.v1.accounts.retrieve(account.id)
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (
        True,
        True,
        True,
    )
    assert fake_stripe.events[-1]["type"] == "account.updated"
    # Account links are single-use: another visit is sent to refresh_url.
    again = requests.get(link.url, allow_redirects=False, timeout=5)
    assert again.headers["Location"] == "http://testserver/connect/refresh/"


def test_transfer_to_an_account_that_has_not_finished_onboarding_is_refused(fake_stripe, client):
    paid_intent(fake_stripe, client)
    account = client.v1.accounts.create(params={"type": "express"})

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create(
            params={"amount": 5_000, "currency": "cny", "destination": account.id}
        )

    assert "payouts_enabled is false" in caught.value.user_message
    with pytest.raises(stripe.InvalidRequestError, match="No such destination"):
        client.v1.transfers.create(
            params={"amount": 5_000, "currency": "cny", "destination": "acct_missing"}
        )
    assert fake_stripe.objects("transfer") == []


def test_transfer_needs_available_funds(fake_stripe, client):
    destination = onboarded_account(fake_stripe, client)

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create(
            params={"amount": 5_000, "currency": "cny", "destination": destination}
        )

    assert caught.value.code == "balance_insufficient"
    fake_stripe.top_up(5_000)
    transfer = client.v1.transfers.create(
        params={"amount": 5_000, "currency": "cny", "destination": destination}
    )
    assert fake_stripe.get(transfer.balance_transaction)["amount"] == -5_000
    assert fake_stripe.balance("cny") == 0


# --- Idempotency and faults --------------------------------------------------------------


def transfer_params(destination):
    return {
        "amount": 3_000,
        "currency": "cny",
        "destination": destination,
        "transfer_group": "engagement-5",
        "metadata": {"payout": 7},
    }


def test_the_same_idempotency_key_twice_makes_one_transfer(fake_stripe, client):
    destination = onboarded_account(fake_stripe, client)
    fake_stripe.top_up(10_000)
    options = {"idempotency_key": "payout-7"}

    first = client.v1.transfers.create(params=transfer_params(destination), options=options)
    second = client.v1.transfers.create(params=transfer_params(destination), options=options)

    assert first.id == second.id
    assert len(fake_stripe.objects("transfer")) == 1
    assert fake_stripe.requests[-1].replayed
    [event] = [e for e in fake_stripe.events if e["type"] == "transfer.created"]
    assert event["request"]["idempotency_key"] == "payout-7"
    assert client.v1.transfers.retrieve(first.id).metadata.to_dict() == {"payout": "7"}


def test_the_same_key_with_other_parameters_is_an_idempotency_error(fake_stripe, client):
    destination = onboarded_account(fake_stripe, client)
    fake_stripe.top_up(10_000)
    options = {"idempotency_key": "payout-7"}
    client.v1.transfers.create(params=transfer_params(destination), options=options)

    with pytest.raises(stripe.IdempotencyError):
        client.v1.transfers.create(
            params={**transfer_params(destination), "amount": 3_001}, options=options
        )


def test_an_error_is_stored_under_its_key_too(fake_stripe, client):
    """As on Stripe: retrying a refused request with the same key replays the refusal."""
    account = client.v1.accounts.create(params={"type": "express"})
    fake_stripe.top_up(10_000)
    options = {"idempotency_key": "payout-7"}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.create(params=transfer_params(account.id), options=options)
    fake_stripe.complete_onboarding(account.id)

    with pytest.raises(stripe.InvalidRequestError, match="payouts_enabled is false"):
        client.v1.transfers.create(params=transfer_params(account.id), options=options)

    fake_stripe.forget_idempotency_keys()
    assert client.v1.transfers.create(params=transfer_params(account.id), options=options).id


def test_a_lost_response_is_retried_by_the_sdk_and_makes_one_transfer(fake_stripe, client):
    destination = onboarded_account(fake_stripe, client)
    fake_stripe.top_up(10_000)
    fake_stripe.fail_next("POST", "/v1/transfers", after_effect=True)

    transfer = client.v1.transfers.create(params=transfer_params(destination))

    assert [row["id"] for row in fake_stripe.objects("transfer")] == [transfer.id]
    posts = [r for r in fake_stripe.requests if r.path == "/v1/transfers"]
    assert [r.status for r in posts] == [500, 200]
    assert posts[0].idempotency_key == posts[1].idempotency_key
    assert posts[1].replayed


def test_a_failure_before_the_work_is_retried_and_makes_one_transfer(fake_stripe, client):
    destination = onboarded_account(fake_stripe, client)
    fake_stripe.top_up(10_000)
    fake_stripe.fail_next("POST", "/v1/transfers")

    transfer = client.v1.transfers.create(params=transfer_params(destination))

    assert [row["id"] for row in fake_stripe.objects("transfer")] == [transfer.id]
    assert [r.replayed for r in fake_stripe.requests if r.path == "/v1/transfers"] == [
        False,
        False,
    ]


def test_the_sdk_gives_up_when_told_not_to_retry(fake_stripe, client):
    fake_stripe.fail_next("GET", "/v1/events", status=503, should_retry=False)

    with pytest.raises(stripe.APIError):
        client.v1.events.list()

    assert len(fake_stripe.requests) == 1


@pytest.mark.parametrize("after_effect", [True, False], ids=["slow-answer", "slow-start"])
def test_a_timeout_is_retried_with_the_same_key_and_makes_one_transfer(fake_stripe, after_effect):
    client = client_for(fake_stripe, http_client=stripe.RequestsClient(timeout=0.5))
    destination = onboarded_account(fake_stripe, client)
    fake_stripe.top_up(10_000)
    fake_stripe.delay_next("POST", "/v1/transfers", seconds=1.5, after_effect=after_effect)

    transfer = client.v1.transfers.create(params=transfer_params(destination))

    assert [row["id"] for row in fake_stripe.objects("transfer")] == [transfer.id]
    time.sleep(1.5)  # let the slow request finish: it must not make a second transfer
    assert len(fake_stripe.objects("transfer")) == 1
    posts = [r for r in fake_stripe.requests if r.path == "/v1/transfers"]
    assert len(posts) >= 2
    assert {r.idempotency_key for r in posts} == {posts[0].idempotency_key}


# --- Lists, events, errors ---------------------------------------------------------------


def test_balance_transactions_page_newest_first_with_filters(fake_stripe, client):
    for amount in (100, 200, 300, 400, 500):
        fake_stripe.top_up(amount)
    paid_intent(fake_stripe, client, amount=600)

    first_page = client.v1.balance_transactions.list(params={"limit": 2})
    everything = list(first_page.auto_paging_iter())

    assert first_page.has_more
    assert [row.amount for row in everything] == [600, 500, 400, 300, 200, 100]
    charges = client.v1.balance_transactions.list(params={"type": "charge"})
    assert [row.amount for row in charges.data] == [600]
    future = int(time.time()) + 60
    assert client.v1.balance_transactions.list(params={"created": {"gte": future}}).data == []
    recent = client.v1.balance_transactions.list(
        params={"limit": 2, "created": {"gte": int(time.time()) - 60}}
    )
    assert len(list(recent.auto_paging_iter())) == 6


def test_events_can_be_listed_and_retrieved(fake_stripe, client):
    session = create_session(client)
    fake_stripe.pay(session.id)

    listed = client.v1.events.list(params={"type": "checkout.session.completed"})

    [event] = listed.data
    assert client.v1.events.retrieve(event.id).data.object.id == session.id
    assert event.request.id is None  # paid in the browser, not by an API request


def test_unknown_objects_and_routes_are_stripe_errors(fake_stripe, client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.charges.retrieve("ch_missing")
    assert (caught.value.http_status, caught.value.code) == (404, "resource_missing")
    response = requests.get(
        f"{fake_stripe.url}/v1/nothing", headers={"Authorization": "Bearer sk_test_x"}, timeout=5
    )
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_a_wrong_api_key_is_an_authentication_error(fake_stripe):
    client = stripe.StripeClient("sk_live_real", base_addresses={"api": fake_stripe.url})

    with pytest.raises(stripe.AuthenticationError):
        client.v1.events.list()


# --- Webhooks ----------------------------------------------------------------------------


def test_construct_event_accepts_the_signature_and_rejects_a_tampered_payload(fake_stripe, client):
    session = create_session(client)
    fake_stripe.pay(session.id)
    completed = next(
        e for e in fake_stripe.pending_events() if e["type"] == "checkout.session.completed"
    )

    payload, header = fake_stripe.signed_event(completed)

    event = stripe.Webhook.construct_event(payload, header, SECRET)
    assert (event.type, event.data.object.id) == ("checkout.session.completed", session.id)
    tampered = payload.replace(b'"paid"', b'"unpaid"')
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(tampered, header, SECRET)
    stale = sign(payload, SECRET, timestamp=int(time.time()) - 301)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, stale, SECRET)


def test_manual_delivery_posts_signed_events_and_keeps_the_refused_ones(
    fake_stripe, client, receiver
):
    fake_stripe.webhook_url = receiver.url
    fake_stripe.pay(create_session(client).id)
    receiver.statuses = [400]

    answers = fake_stripe.deliver_all()

    assert [status for status, _ in answers] == [400, 200, 200]
    assert [event["type"] for event in fake_stripe.pending_events()] == ["charge.succeeded"]
    signature, body = receiver.received[1]
    assert (
        stripe.Webhook.construct_event(body, signature, SECRET).type == "payment_intent.succeeded"
    )
    forged = fake_stripe.deliver(fake_stripe.pending_events()[0], signature="t=1,v1=forged")
    assert forged[0] == 200  # this receiver checks nothing; a real one must refuse it
    assert receiver.received[-1][0] == "t=1,v1=forged"


def test_automatic_delivery_retries_until_the_endpoint_accepts(receiver):
    with FakeStripe(webhook_secret=SECRET, deliver="auto", webhook_url=receiver.url) as fake:
        fake.delivery_retry_delays = (0.01, 0.01)
        receiver.statuses = [500]
        client = client_for(fake)

        fake.pay(create_session(client).id)

        assert fake.wait_for_deliveries(timeout=5)
        assert [d.status for d in fake.deliveries] == [500, 200, 200, 200]
        assert fake.pending_events() == []
    for signature, body in receiver.received:
        stripe.Webhook.construct_event(body, signature, SECRET)
