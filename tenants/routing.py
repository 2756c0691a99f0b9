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
from django.apps import apps
from django.conf import settings
from django.db.models import OuterRef, Subquery

from tenants.models import Domain, Tenant

logger = logging.getLogger(__name__)

_KEY = "quire:route:v4:{}"
_UNKNOWN_SECONDS = 30
# Routes that involve a custom domain are kept this long at most: a plan downgrade stops the
# domain within a minute without billing having to know about routing.
_CUSTOM_SECONDS = 60
_LOCAL_MAX = 10_000
_local: dict[str, tuple[float, dict]] = {}
_FIELDS = ("id", "schema_name", "name", "subdomain", "status", "language")


@dataclass(frozen=True)
class Route:
    kind: Literal["public", "tenant"]
    tenant: Tenant | None = None
    # A blog's own domain (reader pages only), not `<sub>.PLATFORM_DOMAIN`.
    custom: bool = False
    # Where the blog's reader pages live: its verified primary custom domain, else its subdomain.
    primary_host: str = ""


def platform_hosts() -> set[str]:
    domain = settings.PLATFORM_DOMAIN
    return {domain, f"www.{domain}"}


def blog_host(subdomain: str) -> str:
    return f"{subdomain}.{settings.PLATFORM_DOMAIN}"


def is_platform_host(hostname: str) -> bool:
    domain = settings.PLATFORM_DOMAIN
    return hostname == domain or hostname.endswith("." + domain)


def _route(hostname: str, cached: dict) -> Route | None:
    if not cached:
        return None
    data = {k: cached[k] for k in _FIELDS}
    return Route(
        kind="tenant",
        tenant=_tenant_from_dict(data),
        custom=not is_platform_host(hostname),
        primary_host=cached.get("primary") or blog_host(cached["subdomain"]),
    )


def _custom_allowed(tenant_id: int) -> bool:
    subscription = apps.get_model("billing", "Subscription")
    return subscription.objects.filter(tenant_id=tenant_id, plan__custom_domain=True).exists()


def _lookup(hostname: str) -> tuple[dict, int]:
    """What the database says about `hostname`, and how long that may be cached."""
    primary = Domain.objects.filter(tenant_id=OuterRef("tenant_id"), is_primary=True).values(
        "domain"
    )[:1]
    row = (
        Domain.objects.filter(domain=hostname)
        .annotate(primary=Subquery(primary))
        .values_list(*(f"tenant__{f}" for f in _FIELDS), "primary")
        .first()
    )
    if row is None:
        return {}, _UNKNOWN_SECONDS
    cached = dict(zip(_FIELDS, row[:-1], strict=True))
    primary_host = row[-1] or blog_host(cached["subdomain"])
    custom_host = not is_platform_host(hostname)
    custom_primary = not is_platform_host(primary_host)
    if not (custom_host or custom_primary):
        return cached | {"primary": primary_host}, settings.QUIRE_ROUTING_CACHE_SECONDS
    allowed = _custom_allowed(cached["id"])
    if custom_host and not allowed:
        return {}, _CUSTOM_SECONDS
    if custom_primary and not allowed:
        primary_host = blog_host(cached["subdomain"])
    return cached | {"primary": primary_host}, _CUSTOM_SECONDS


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
        return _route(hostname, memo[1])
    key = _KEY.format(hostname)
    raw = _cache_get(key)
    if raw is not None:
        cached = json.loads(raw)
    else:
        cached, timeout = _lookup(hostname)
        _cache_set(key, json.dumps(cached), timeout)
    if len(_local) > _LOCAL_MAX:
        _local.clear()
    _local[hostname] = (time.monotonic() + settings.QUIRE_ROUTING_LOCAL_SECONDS, cached)
    return _route(hostname, cached)


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
