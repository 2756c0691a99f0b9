"""The client's address and scheme behind a front server (Caddy), trusted only from it.

`REMOTE_ADDR` is the TCP peer. When that peer is one of `QUIRE_TRUSTED_PROXIES` (CIDRs), the
client is the right-most address of `X-Forwarded-For` that is not itself a trusted proxy
(addresses further left were written by the client and prove nothing). From any other peer
`X-Forwarded-For`, `X-Forwarded-Proto` and `X-Request-ID` are dropped, so `request.is_secure()`
(`SECURE_PROXY_SSL_HEADER`) and everything that reads `REMOTE_ADDR` (rate limits, logs) can
trust what they see. Runs first, before SecurityMiddleware.
"""

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(cidrs: list[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip())


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    address = address.strip()
    if address.startswith("[") and "]" in address:  # [::1]:port
        address = address[1 : address.index("]")]
    elif address.count(":") == 1:  # 1.2.3.4:port
        address = address.split(":", 1)[0]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    mapped = getattr(parsed, "ipv4_mapped", None)
    return mapped or parsed


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address in net for net in networks if address.version == net.version)


def client_address(peer: str, forwarded_for: str, networks: tuple[Network, ...]) -> str:
    """The client's address given the TCP peer and the X-Forwarded-For header."""
    peer_ip = _parse(peer)
    if peer_ip is None or not _trusted(peer_ip, networks):
        return peer
    client = str(peer_ip)
    for hop in reversed([h for h in forwarded_for.split(",") if h.strip()]):
        hop_ip = _parse(hop)
        if hop_ip is None:  # garbage: stop at the last address a trusted proxy vouched for
            break
        client = str(hop_ip)
        if not _trusted(hop_ip, networks):
            break
    return client


class TrustedProxyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.networks = trusted_networks(settings.QUIRE_TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        peer_ip = _parse(peer)
        if peer_ip is not None and _trusted(peer_ip, self.networks):
            meta["REMOTE_ADDR"] = client_address(
                peer, meta.get("HTTP_X_FORWARDED_FOR", ""), self.networks
            )
        else:
            meta.pop("HTTP_X_FORWARDED_FOR", None)
            meta.pop("HTTP_X_FORWARDED_PROTO", None)
            meta.pop("HTTP_X_REQUEST_ID", None)
        return self.get_response(request)
