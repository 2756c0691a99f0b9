"""Sending one webhook request without letting the URL's owner aim our worker at our own
network (SSRF), and signing it.

- http or https only, no user name or password in the URL;
- the host is resolved at delivery time and *every* address it resolves to must be public
  (`lib.http.address_allowed`: not private, loopback, link-local, multicast, reserved,
  unspecified, CGNAT or IPv4-mapped private); the connection is made to that
  checked address (TLS still verifies the host name), so a DNS answer that changes between
  the check and the connection (rebinding) cannot reach a private address. Loopback is
  allowed only with `QUIRE_WEBHOOK_ALLOW_LOOPBACK`, which only the test settings set;
- redirects are not followed (a 3xx is a failed attempt);
- one timeout per socket operation and one for the whole attempt; at most
  `RESPONSE_CAP` bytes of the answer are read, the first `RESPONSE_KEPT` are kept for the log.

Signature (see docs/webhooks.md): `Quire-Signature: t=<unix seconds>,v1=<hex>` where hex is
HMAC-SHA256(endpoint secret, f"{t}.{body}").
"""

import hashlib
import hmac
import http.client
import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings

from lib.errors import ApplicationError
from lib.http import (
    BadAddress,
    NotPublic,
    Unresolvable,
    address_allowed,
    pinned_connection,
    resolve_public,
    url_parts,
)

RESPONSE_CAP = 64 * 1024
RESPONSE_KEPT = 1024
USER_AGENT = "Quire-Webhooks/1"
_BAD_ADDRESS = {
    "scheme": "Use an http:// or https:// address.",
    "credentials": "Leave the user name and password out of the address.",
    "port": "The address has a bad port.",
}


class DeliveryRefused(ApplicationError):
    """The request was not sent; the message says why (shown in the delivery log)."""


@dataclass(frozen=True)
class Outcome:
    status: int | None  # the HTTP status, None when no answer came
    body: str  # the first RESPONSE_KEPT bytes of the answer, decoded
    duration_ms: int
    error: str  # empty on a 2xx

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def signature_header(*, secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def _allowed(ip: str) -> bool:
    if address_allowed(ip):
        return True
    if settings.QUIRE_WEBHOOK_ALLOW_LOOPBACK:  # tests only: their receiver listens on loopback
        return ipaddress.ip_address(ip.split("%", 1)[0]).is_loopback
    return False


def url_check(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a URL a webhook may be sent to, by its form alone.
    Raises DeliveryRefused. `destination_check` adds the addresses."""
    try:
        scheme, host, port, path = url_parts(url)
    except BadAddress as exc:
        raise DeliveryRefused(_BAD_ADDRESS[exc.reason]) from exc
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not _allowed(str(literal)):
        raise DeliveryRefused(f"{host} is a private or local address: webhooks are not sent there.")
    if host == "localhost" or host.endswith(".localhost"):
        if not settings.QUIRE_WEBHOOK_ALLOW_LOOPBACK:
            raise DeliveryRefused(f"{host} is a local address: webhooks are not sent there.")
    return scheme, host, port, path


def destination_check(url: str) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, path, address) of where a webhook to `url` would go: the form,
    then every address the host stands for (a number in any form, or DNS's answers) must be
    public. Raises DeliveryRefused. The same check when an endpoint is saved and at each
    delivery: a name can be pointed elsewhere after it was saved."""
    scheme, host, port, path = url_check(url)
    return scheme, host, port, path, _resolve(host, port)


def _resolve(host: str, port: int) -> str:
    try:
        return resolve_public(host, port, allowed=_allowed)
    except Unresolvable as exc:
        raise DeliveryRefused(f"The host {host} could not be resolved.") from exc
    except NotPublic as exc:
        raise DeliveryRefused(
            f"{host} resolves to a private or local address ({exc.ip}): not sent."
        ) from exc


def _read_capped(response: http.client.HTTPResponse, deadline: float) -> bytes:
    chunks, size = [], 0
    while size < RESPONSE_CAP and time.monotonic() < deadline:
        chunk = response.read1(min(16 * 1024, RESPONSE_CAP - size))  # one recv each
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def webhook_send(*, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST `body` to `url` under the rules above; never raises for the network's reasons."""
    started = time.monotonic()

    def outcome(status: int | None, text: bytes, error: str) -> Outcome:
        ms = int((time.monotonic() - started) * 1000)
        kept = text[:RESPONSE_KEPT].decode("utf-8", errors="replace")
        return Outcome(status=status, body=kept, duration_ms=ms, error=error)

    try:
        scheme, host, port, path, ip = destination_check(url)
    except DeliveryRefused as exc:
        return outcome(None, b"", str(exc))
    deadline = started + timeout
    conn = pinned_connection(scheme, host, port, ip=ip, timeout=timeout)
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={"User-Agent": USER_AGENT, "Content-Type": "application/json", **headers},
        )
        response = conn.getresponse()
        text = _read_capped(response, deadline)
        status = response.status
        if 300 <= status < 400:
            where = response.getheader("Location", "")
            return outcome(
                status, text, f"Answered {status} (redirect to {where[:100]}): not followed."
            )
        if not 200 <= status < 300:
            return outcome(status, text, f"Answered {status}.")
        return outcome(status, text, "")
    except TimeoutError:
        return outcome(None, b"", f"No answer within {timeout:g} s.")
    except (OSError, http.client.HTTPException) as exc:
        return outcome(None, b"", f"The request failed ({exc.__class__.__name__}: {exc})"[:300])
    finally:
        conn.close()
