"""The one place that opens a connection to a receiver: to the address that was checked.

The connection goes to `target.address` (resolved and checked just before), while the TLS
certificate and the Host header are those of the URL's host name; redirects are not followed
(a redirect could point anywhere), and the answer's body is not read beyond a few bytes.
"""

import time
from dataclasses import dataclass

import certifi

from core.lazy import lazy_import

# Loaded by the first delivery, not by every process that wires the webhooks' listeners up
# (allocate and the other commands never deliver).
urllib3 = lazy_import("urllib3")

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    duration_ms: int
    error: str = ""


def post(target, *, body, headers):
    """POST `body` to the checked `target`; an Answer with the status code or the error."""
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    default_port = 443 if target.scheme == "https" else 80
    if target.port != default_port:
        host_header = f"{host_header}:{target.port}"
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            port=target.port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            target.address, port=target.port, timeout=timeout, retries=False
        )
    started = time.monotonic()
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            preload_content=False,
        )
        response.read(1024)
        response.release_conn()
        return Answer(response.status, _elapsed(started))
    except urllib3.exceptions.HTTPError as error:
        reason = getattr(error, "reason", None) or error
        return Answer(None, _elapsed(started), f"{type(reason).__name__}: {reason}"[:500])
    finally:
        pool.close()


def _elapsed(started):
    return max(0, round((time.monotonic() - started) * 1000))
