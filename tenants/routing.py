"""Host -> tenant lookup, cached in Redis and in each process.

A Redis hit costs one GET and no query; a miss costs one query. Unknown hosts are cached
briefly too, so a flood of random hosts does not reach the database. Every change to a
tenant or domain calls `routing_invalidate` for its hosts. When Redis is unreachable the
lookup goes to the database: pages stay up.

This runs on every request, so each process keeps what it read (`_local`, up to
`_LOCAL_MAX` hosts) for `QUIRE_ROUTING_LOCAL_SECONDS` (300 s, as long as Redis keeps it;
2 s for routes involving a custom domain, which a plan downgrade must stop within a minute).
A process does not ask Redis per request whether its copy is still right:
`routing_invalidate` bumps a generation number and records the changed hosts in a sorted set
(one Lua call, atomic), and each process reads the generation and the hosts changed since its
last look at most every `QUIRE_ROUTING_POLL_SECONDS` (0.5 s; one pipelined round trip),
dropping just those hosts. A rename, suspension or deletion therefore stops being routed in
every process within that time, and at once in the process that made it. With the host
changing on every request (10,000 blogs, no front cache) routing costs no Redis round trip.
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

from lib.urls import blog_host
from tenants.models import Domain, Tenant

logger = logging.getLogger(__name__)

_KEY = "quire:route:v4:{}"
_UNKNOWN_SECONDS = 30
# Routes that involve a custom domain are kept this long at most: a plan downgrade stops the
# domain within a minute without billing having to know about routing.
_CUSTOM_SECONDS = 60
_LOCAL_MAX = 20_000
_local: dict[str, tuple[float, dict]] = {}
_GENERATION_KEY = "quire:route:generation"
_CHANGES_KEY = "quire:route:changes"
_CHANGES_KEPT = 10_000
# What this process last read: the generation, and when it may look again.
_seen = {"generation": None, "next_poll": 0.0}
# Bump the generation, record the changed hosts under it and drop their Redis entries.
_INVALIDATE_LUA = f"""
local generation = redis.call('INCR', KEYS[1])
for i = 3, #KEYS do redis.call('DEL', KEYS[i]) end
for _, host in ipairs(ARGV) do redis.call('ZADD', KEYS[2], generation, host) end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, {-1 - _CHANGES_KEPT})
return generation
"""
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
    now = time.monotonic()
    if now >= _seen["next_poll"]:
        _changes_apply(now)
    memo = _local.get(hostname)
    if memo is not None and memo[0] > now:
        return _route(hostname, memo[1])
    key = _KEY.format(hostname)
    raw = _cache_get(key)
    if raw is not None:
        cached = json.loads(raw)
    else:
        cached, timeout = _lookup(hostname)
        _cache_set(key, json.dumps(cached), timeout)
    if len(_local) >= _LOCAL_MAX:
        _local.clear()
    _local[hostname] = (now + _local_seconds(hostname, cached), cached)
    return _route(hostname, cached)


def _local_seconds(hostname: str, cached: dict) -> float:
    """How long this process may keep a route without asking Redis again."""
    if not is_platform_host(hostname) or not is_platform_host(cached.get("primary", "")):
        # A custom domain (or an unknown host, which may be one being verified): a plan
        # downgrade is not an invalidation, so keep these as briefly as before.
        return min(settings.QUIRE_ROUTING_LOCAL_SECONDS, 2.0)
    return settings.QUIRE_ROUTING_LOCAL_SECONDS


def _changes_apply(now: float) -> None:
    """Drop the hosts other processes changed since this one last looked (one round trip)."""
    _seen["next_poll"] = now + settings.QUIRE_ROUTING_POLL_SECONDS
    last = _seen["generation"]
    try:
        pipe = _client(settings.REDIS_URL).pipeline(transaction=False)
        pipe.get(_GENERATION_KEY)
        pipe.zrange(_CHANGES_KEY, 0, 0, withscores=True)
        pipe.zrangebyscore(_CHANGES_KEY, f"({last or 0}", "+inf")
        raw_generation, oldest, changed = pipe.execute()
    except redis.RedisError:
        _local.clear()  # nobody can tell us what changed: keep nothing
        _seen["generation"] = None
        return
    generation = int(raw_generation or 0)
    if last is None or generation < last or (oldest and oldest[0][1] > last + 1):
        # First look, Redis lost its data, or more changes than the set keeps: start over.
        _local.clear()
    elif generation != last:
        for host in changed:
            _local.pop(host.decode(), None)
    _seen["generation"] = generation


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
    """Forget what is cached about these hosts: in Redis, in this process at once, and in
    every other process at its next look (`QUIRE_ROUTING_POLL_SECONDS`)."""
    if not hostnames:
        return
    hosts = [h.lower() for h in hostnames]
    for host in hosts:
        _local.pop(host, None)
    try:
        keys = [_GENERATION_KEY, _CHANGES_KEY, *(_KEY.format(h) for h in hosts)]
        _client(settings.REDIS_URL).eval(_INVALIDATE_LUA, len(keys), *keys, *hosts)
    except redis.RedisError:
        # Entries expire by themselves (QUIRE_ROUTING_CACHE_SECONDS); processes that cannot
        # reach Redis keep nothing (`_changes_apply`).
        logger.warning("routing cache unreachable; could not invalidate %s", hostnames)


def tenant_routing_invalidate(tenant: Tenant) -> None:
    routing_invalidate(*Domain.objects.filter(tenant=tenant).values_list("domain", flat=True))
