"""Which addresses a webhook may be posted to: HTTPS and public addresses only.

A URL is checked when it is registered and again before every delivery, after resolving its
host, and the delivery connects to the address that was checked (so a name that resolves to
a public address at registration and a private one later, DNS rebinding, is refused then).
`WEBHOOKS_ALLOW_LOCAL` lets local development and tests use http and loopback receivers;
start-up refuses it when DEBUG is off.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ActionError


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (one resolved address) and what to ask for."""

    scheme: str
    host: str
    address: str
    port: int
    path: str


def resolve(host, port):
    """Every address `host` resolves to (IP literals resolve to themselves)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def _allow_local():
    return bool(getattr(settings, "WEBHOOKS_ALLOW_LOCAL", False))


def address_refusal(address):
    """Why `address` may not receive webhooks, or "" when it is a public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "" if _allow_local() else _("a loopback address")
    if ip.is_link_local:
        return _("a link-local address")
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return _("a reserved address")
    if ip.is_private or not ip.is_global:
        return _("a private address")
    return ""


def _refuse(reason):
    return ActionError(
        _("This URL cannot receive webhooks: %(reason)s.") % {"reason": reason},
        code="webhook_url_refused",
        field="url",
    )


def check_url(url):
    """The `Target` to post `url` to, resolved now; ActionError (field url) when refused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refuse(_("it is not a valid URL")) from None
    scheme = (parts.scheme or "").lower()
    allowed = ("https", "http") if _allow_local() else ("https",)
    if scheme not in allowed:
        raise _refuse(_("it must start with https://"))
    if not parts.hostname:
        raise _refuse(_("it names no host"))
    if parts.username or parts.password:
        raise _refuse(_("it must not carry a user name or password"))
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = resolve(parts.hostname, port)
    except (OSError, UnicodeError):
        raise _refuse(_("its host name does not resolve")) from None
    if not addresses:
        raise _refuse(_("its host name does not resolve"))
    for address in addresses:
        reason = address_refusal(address)
        if reason:
            # Every address must be public: a client may connect to any of them.
            raise _refuse(
                _("%(host)s resolves to %(reason)s") % {"host": parts.hostname, "reason": reason}
            )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=parts.hostname, address=addresses[0], port=port, path=path)
