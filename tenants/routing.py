"""Host -> tenant lookup, cached in Redis.

A hit costs one cache read and no query; a miss costs one query. Unknown hosts are cached
briefly too, so a flood of random hosts does not reach the database. Every change to a
tenant or domain calls `routing_invalidate` for its hosts.
"""

from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.cache import cache

from tenants.models import Domain, Tenant

_KEY = "route:v2:{}"
_UNKNOWN_SECONDS = 30
_FIELDS = ("id", "schema_name", "name", "subdomain", "status", "language")


@dataclass(frozen=True)
class Route:
    kind: Literal["public", "tenant"]
    tenant: Tenant | None = None


def platform_hosts() -> set[str]:
    domain = settings.PLATFORM_DOMAIN
    return {domain, f"www.{domain}"}


def blog_host(subdomain: str) -> str:
    return f"{subdomain}.{settings.PLATFORM_DOMAIN}"


def _tenant_from_dict(data: dict) -> Tenant:
    tenant = Tenant(**data)
    tenant._state.adding = False
    tenant._state.db = "default"
    return tenant


def host_resolve(hostname: str) -> Route | None:
    """Return how to serve `hostname` (without port), or None for an unknown host."""
    hostname = hostname.lower().rstrip(".")
    if hostname in platform_hosts():
        return Route(kind="public")
    key = _KEY.format(hostname)
    cached = cache.get(key)
    if cached is None:
        row = (
            Domain.objects.filter(domain=hostname)
            .values_list(*(f"tenant__{f}" for f in _FIELDS))
            .first()
        )
        cached = dict(zip(_FIELDS, row, strict=True)) if row else {}
        timeout = settings.QUIRE_ROUTING_CACHE_SECONDS if row else _UNKNOWN_SECONDS
        cache.set(key, cached, timeout)
    if not cached:
        return None
    return Route(kind="tenant", tenant=_tenant_from_dict(cached))


def routing_invalidate(*hostnames: str) -> None:
    cache.delete_many([_KEY.format(h.lower()) for h in hostnames])


def tenant_routing_invalidate(tenant: Tenant) -> None:
    routing_invalidate(*Domain.objects.filter(tenant=tenant).values_list("domain", flat=True))
