"""Endpoints must be HTTPS on public addresses: refused at registration and again at delivery,
after resolving the host (a name that later resolves to a private address is not posted to)."""

import ipaddress

import pytest

from core.errors import ActionError
from webhooks import actions, addresses, transport
from webhooks.models import Attempt, Delivery, EventType

PUBLIC = "93.184.216.34"


@pytest.fixture
def dns(monkeypatch):
    """Host names resolve to what the test says (the tests open no outside socket)."""
    table = {}

    def resolve(host, port):
        if host in table:
            return table[host]
        try:  # IP literals resolve to themselves without DNS
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            raise OSError("unknown host") from None

    monkeypatch.setattr(addresses, "resolve", resolve)
    return table


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.com/in", "https://"),
        ("https://127.0.0.1/in", "loopback"),
        ("https://[::1]/in", "loopback"),
        ("https://10.1.2.3/in", "private"),
        ("https://192.168.0.10/in", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[fe80::1]/in", "link-local"),
        ("https://0.0.0.0/in", "reserved"),
        ("https://240.0.0.1/in", "reserved"),
        ("https://[::ffff:10.0.0.1]/in", "private"),
        ("https://internal.example.com/in", "private"),
        ("https://nowhere.example.com/in", "does not resolve"),
        ("https://user:pw@hooks.example.com/in", "password"),
        ("ftp://hooks.example.com/in", "https://"),
    ],
)
def test_registration_refuses_what_is_not_public_https(dns, personas, url, reason):
    dns["hooks.example.com"] = [PUBLIC]
    dns["internal.example.com"] = [PUBLIC, "10.0.0.7"]
    with pytest.raises(ActionError) as refused:
        actions.endpoint_create(
            agency=personas.agency,
            url=url,
            events=[EventType.OFFER_RECEIVED],
            by=personas.agency_consultant,
        )
    assert refused.value.field == "url"
    assert reason in refused.value.message


def test_a_public_https_endpoint_is_registered(dns, personas):
    dns["hooks.example.com"] = [PUBLIC]
    endpoint = actions.endpoint_create(
        agency=personas.agency,
        url="https://hooks.example.com/in",
        events=[EventType.OFFER_RECEIVED],
        by=personas.agency_consultant,
    )
    assert endpoint.secret.startswith("whsec_")


def test_local_receivers_need_the_development_setting(dns, personas, settings):
    settings.WEBHOOKS_ALLOW_LOCAL = True
    target = addresses.check_url("http://127.0.0.1:8141/in")
    assert (target.address, target.port, target.path) == ("127.0.0.1", 8141, "/in")
    # Private and link-local ranges stay refused even then: only this machine is let in.
    with pytest.raises(ActionError):
        addresses.check_url("http://169.254.169.254/")


def test_delivery_refuses_a_host_that_now_resolves_to_a_private_address(
    dns, personas, monkeypatch, django_capture_on_commit_callbacks
):
    dns["hooks.example.com"] = [PUBLIC]
    endpoint = actions.endpoint_create(
        agency=personas.agency,
        url="https://hooks.example.com/in",
        events=[EventType.OFFER_RECEIVED],
        by=personas.agency_consultant,
    )
    dns["hooks.example.com"] = ["10.0.0.7"]  # DNS rebinding after registration

    def no_connection(*args, **kwargs):
        raise AssertionError("a refused address must not be connected to")

    monkeypatch.setattr(transport, "post", no_connection)
    with django_capture_on_commit_callbacks(execute=True):
        actions.event_record(
            type=EventType.OFFER_RECEIVED,
            agency_id=personas.agency.pk,
            object_key="offer:1",
            describe=lambda: {"offer_id": 1},
        )
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.status == Delivery.Status.PENDING
    attempt = Attempt.objects.get(delivery=delivery)
    assert attempt.status_code is None
    assert "private address" in attempt.error
