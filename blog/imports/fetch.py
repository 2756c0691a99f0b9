"""Fetching a remote image named by an imported post, without letting the file's author aim
our worker at our own network (SSRF).

Every hop (the URL and each redirect) is checked the same way: http or https only; the host
is resolved once and *every* address it resolves to must be public (not private, loopback,
link-local, multicast, reserved or unspecified, IPv4-mapped IPv6 included); the connection
is then made to that checked address (TLS still verifies the host name), so a DNS answer
that changes between the check and the connection (rebinding) cannot reach a private one.
A timeout per socket operation and one for the whole fetch, a size cap (from
Content-Length and while reading) and a few redirects at most.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import dns.exception
import dns.resolver
from django.conf import settings

from lib.errors import ApplicationError

MAX_REDIRECTS = 3
_CHUNK = 64 * 1024


class FetchRefused(ApplicationError):
    """The image was not fetched; `message` says why (shown in the import's report)."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    data: bytes
    content_type: str


def address_allowed(ip: str) -> bool:
    """True for a public address (what a fetch may connect to)."""
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


class Unresolvable(FetchRefused):
    def __init__(self, host: str):
        super().__init__(f"the host {host} could not be resolved")


class NotPublic(FetchRefused):
    def __init__(self, host: str, ip: str):
        super().__init__(f"{host} is a private or local address ({ip}): not fetched")
        self.ip = ip


def _numeric_host(host: str) -> str | None:
    """The address a host name that is really a number stands for, as the C library reads it
    (`127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1` are all 127.0.0.1), or None."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except (OSError, UnicodeError, ValueError):
        return None


def _dns_addresses(host: str) -> list[str]:
    """A and AAAA answers from `QUIRE_DNS_NAMESERVERS` (the servers the platform's own DNS
    checks use)."""
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = list(settings.QUIRE_DNS_NAMESERVERS)
    resolver.port = settings.QUIRE_DNS_PORT
    resolver.timeout = resolver.lifetime = settings.QUIRE_DNS_TIMEOUT
    found: list[str] = []
    for rdtype in ("A", "AAAA"):
        try:
            answer = resolver.resolve(host, rdtype, raise_on_no_answer=False)
        except (dns.exception.DNSException, ValueError):
            continue
        found += [record.to_text() for record in answer]
    return found


def host_addresses(host: str, port: int) -> list[str]:
    """Every address `host` stands for: itself if it is a number in any form, else what DNS
    answers (the system's resolver, or `QUIRE_DNS_NAMESERVERS` when set)."""
    numeric = _numeric_host(host)
    if numeric is not None:
        return [numeric]
    if settings.QUIRE_DNS_NAMESERVERS:
        return _dns_addresses(host)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(host) from exc
    return [info[4][0] for info in infos]


def resolve_public(host: str, port: int, *, allowed: Callable[[str], bool]) -> str:
    """The address to connect to (the first); every address the host stands for must pass
    `allowed`, or `NotPublic` names the first that does not. Also used by webhooks/delivery.py
    when an endpoint is saved and at each delivery, which connects to the answer with
    `PinnedHTTP(S)` as the importer does."""
    addresses = host_addresses(host, port)
    if not addresses:
        raise Unresolvable(host)
    for ip in addresses:
        if not allowed(ip):
            raise NotPublic(host, ip)
    return addresses[0]


class PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to `host` made to the already checked address `ip` (no second DNS
    answer can point it elsewhere); also used by webhooks/delivery.py."""

    def __init__(self, host: str, port: int, *, ip: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class PinnedHTTPS(http.client.HTTPSConnection):
    """The same over TLS; the certificate is still checked against `host`."""

    def __init__(self, host: str, port: int, *, ip: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def image_fetch(
    *, url: str, max_bytes: int, timeout: float, exempt: frozenset[str] = frozenset()
) -> Fetched:
    """GET `url` under the rules above. Raises FetchRefused with the reason. `exempt`: exact
    addresses allowed although private (QUIRE_IMPORT_FETCH_ALLOW_ADDRESSES; tests only)."""
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchRefused("not an http(s) address")
        if parts.username or parts.password:
            raise FetchRefused("addresses with a user name or password are not fetched")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise FetchRefused("the address has a bad port") from exc
        host = parts.hostname
        ip = resolve_public(host, port, allowed=lambda ip: ip in exempt or address_allowed(ip))
        kind = PinnedHTTPS if parts.scheme == "https" else PinnedHTTP
        conn = kind(host, port, ip=ip, timeout=max(0.1, min(timeout, deadline - time.monotonic())))
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            conn.request("GET", path, headers={"User-Agent": "Quire-import", "Accept": "image/*"})
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchRefused(f"the server answered {response.status} without a target")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchRefused(f"the server answered {response.status}")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchRefused(f"the image is {int(length)} bytes; the limit is {max_bytes}")
            chunks, size = [], 0
            while chunk := response.read1(_CHUNK):  # one recv each: the deadline holds
                size += len(chunk)
                if size > max_bytes:
                    raise FetchRefused(f"the image is over the limit of {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise FetchRefused(f"the download took longer than {timeout:.0f} s")
                chunks.append(chunk)
            return Fetched(
                url=url, data=b"".join(chunks), content_type=response.getheader("Content-Type", "")
            )
        except (OSError, http.client.HTTPException) as exc:
            if isinstance(exc, TimeoutError | socket.timeout):
                raise FetchRefused(f"no answer within {timeout:.0f} s") from exc
            raise FetchRefused(f"the download failed ({exc.__class__.__name__})") from exc
        finally:
            conn.close()
    raise FetchRefused(f"more than {MAX_REDIRECTS} redirects")
