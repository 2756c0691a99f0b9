"""Outbound HTTP that the URL's owner cannot aim at our own network (SSRF).

Every app that connects to a URL someone else chose (imported images, webhooks, and whatever
fetches remote documents) goes through here:

- the host is resolved once and *every* address it stands for (a number in any form, or DNS's
  answers) must pass `allowed`, by default `address_allowed`: public, so not private,
  loopback, link-local, multicast, reserved or unspecified, IPv4-mapped IPv6 included;
- the connection is then made to that checked address (`PinnedHTTP`, `PinnedHTTPS`; TLS still
  verifies the host name), so a DNS answer that changes between the check and the connection
  (rebinding) cannot reach a private one;
- `url_parts` checks the form: http or https only, no user name or password, a valid port;

Each caller words the refusals for its own people (the import report, the delivery log).
"""

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable
from urllib.parse import urlsplit

import dns.exception
import dns.resolver
from django.conf import settings

from lib.errors import ApplicationError


class Refused(ApplicationError):
    """Not connected; `message` says why."""


class BadAddress(Refused):
    """The URL's form is not one we connect to (`reason`: "scheme", "credentials", "port")."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def url_parts(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL, or BadAddress."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadAddress("scheme", "not an http(s) address")
    if parts.username or parts.password:
        raise BadAddress("credentials", "addresses with a user name or password are refused")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise BadAddress("port", "the address has a bad port") from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


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


class Unresolvable(Refused):
    def __init__(self, host: str):
        super().__init__(f"the host {host} could not be resolved")


class NotPublic(Refused):
    def __init__(self, host: str, ip: str):
        super().__init__(f"{host} is a private or local address ({ip})")
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
    `allowed`, or `NotPublic` names the first that does not."""
    addresses = host_addresses(host, port)
    if not addresses:
        raise Unresolvable(host)
    for ip in addresses:
        if not allowed(ip):
            raise NotPublic(host, ip)
    return addresses[0]


class PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to `host` made to the already checked address `ip` (no second DNS
    answer can point it elsewhere)."""

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


def pinned_connection(scheme: str, host: str, port: int, *, ip: str, timeout: float):
    """A connection to `host` made to the checked address `ip`."""
    kind = PinnedHTTPS if scheme == "https" else PinnedHTTP
    return kind(host, port, ip=ip, timeout=timeout)
