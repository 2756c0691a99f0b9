"""Host -> tenant lookup, cached in Redis.

A hit costs one Redis GET and no query; a miss costs one query. Unknown hosts are cached
briefly too, so a flood of random hosts does not reach the database. Every change to a
tenant or domain calls `routing_invalidate` for its hosts. When Redis is unreachable the
lookup goes to the database: pages stay up.

This runs on every request, so it talks to Redis through one client per process (Django's
cache API builds a client per call), stores JSON, and keeps what it read for
`QUIRE_ROUTING_LOCAL_SECONDS` (2 s) in the process: a change made elsewhere (suspension,
language) reaches other processes within that time, and this process at once.
"""

import json
import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import redis
from django.conf import settings

from tenants.models import Domain, Tenant

logger = logging.getLogger(__name__)

_KEY = "quire:route:v3:{}"
_UNKNOWN_SECONDS = 30
_LOCAL_MAX = 10_000
_local: dict[str, tuple[float, dict]] = {}
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
    memo = _local.get(hostname)
    if memo is not None and memo[0] > time.monotonic():
        cached = memo[1]
        return Route(kind="tenant", tenant=_tenant_from_dict(cached)) if cached else None
    key = _KEY.format(hostname)
    raw = _cache_get(key)
    if raw is not None:
        cached = json.loads(raw)
    else:
        row = (
            Domain.objects.filter(domain=hostname)
            .values_list(*(f"tenant__{f}" for f in _FIELDS))
            .first()
        )
        cached = dict(zip(_FIELDS, row, strict=True)) if row else {}
        timeout = settings.QUIRE_ROUTING_CACHE_SECONDS if row else _UNKNOWN_SECONDS
        _cache_set(key, json.dumps(cached), timeout)
    if len(_local) > _LOCAL_MAX:
        _local.clear()
    _local[hostname] = (time.monotonic() + settings.QUIRE_ROUTING_LOCAL_SECONDS, cached)
    if not cached:
        return None
    return Route(kind="tenant", tenant=_tenant_from_dict(cached))


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def _cache_get(key: str) -> bytes | None:
    try:
        return _client(settings.REDIS_URL).get(key)
    except redis.RedisError:
        logger.warning("routing cache unreachable; looking %s up in the database", key)
        return None


def _cache_set(key: str, value: str, timeout: int) -> None:
    try:
        _client(settings.REDIS_URL).set(key, value, ex=timeout)
    except redis.RedisError:
        pass


def routing_invalidate(*hostnames: str) -> None:
    if not hostnames:
        return
    for host in hostnames:
        _local.pop(host.lower(), None)
    try:
        _client(settings.REDIS_URL).delete(*(_KEY.format(h.lower()) for h in hostnames))
    except redis.RedisError:
        # Entries expire by themselves (QUIRE_ROUTING_CACHE_SECONDS).
        logger.warning("routing cache unreachable; could not invalidate %s", hostnames)


def tenant_routing_invalidate(tenant: Tenant) -> None:
    routing_invalidate(*Domain.objects.filter(tenant=tenant).values_list("domain", flat=True))
