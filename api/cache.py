"""The Content API's answers through the blog's page cache (Redis), after the key check.

The reader page cache's middleware answers hits before any view runs, which would skip the
Content API's key check; so API answers are cached here instead, inside the view, which
django-ninja calls only once authentication has passed: a wrong key is a 401 whether or not
the answer is cached. Entries are stored under the blog's schema with the blog's page-cache
version (`blog.cache`), so `blog_changed()` (every post, page, tag and settings change)
retires them at once, as it retires reader pages: an unpublished post leaves the API's
answers at the same moment as the blog's pages.

The blog's key and "public" flag are cached the same way (`content_config`), read in the
same Redis round trip as the answer: a hit costs no SQL at all, as a reader page hit.
Rotating the key or changing "public" calls `blog_changed()`, so a stale key is refused at
once.

The cache key is the host, the path and the query without the key; a key sent in the query
adds its hash (answers' `next`/`prev` links repeat it). Only `page`, `limit`, `tag` and `key`
may appear (ninja has validated them): any other parameter is answered fresh, not stored.

Headers:
- `ETag` (a hash of the bytes); `If-None-Match` gets 304, hit or miss.
- Key-protected: `Cache-Control: private, no-cache`. The key is a secret of the blog's
  readers' apps, not of the URL: a shared cache (Varnish, a CDN) must not keep the answer and
  hand it to a request without the key (it cannot check keys), and it would keep serving a
  rotated key. Clients keep it and revalidate each time, cheaply (a 304 from Redis).
- Public (the owner turned the key off): the answer is the same for everyone, so it is
  shareable like a reader page: `public, max-age, s-maxage` and the blog's surrogate key.
  Turning the key back on or rotating it calls `blog_changed()`, which purges the front cache.
"""

import logging
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import blake2b, sha256
from typing import Any

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from ninja import NinjaAPI, Schema

from api import services

# The page cache's Redis client and version key: API answers live and die with the blog's
# pages (same version, same invalidation), without touching its middleware.
from blog.cache import _VERSION_KEY, PAGE_SECONDS, _redis, blog_key

logger = logging.getLogger(__name__)

_ENTRY_KEY = "quire:blog:{schema}:api:{digest}"
_CONFIG_KEY = "quire:blog:{schema}:api:config"
_CACHEABLE_PARAMS = {"page", "limit", "tag", "key"}
PRIVATE_REVALIDATE = "private, no-cache"


@dataclass
class _Lookup:
    version: int | None  # None: Redis unreachable (answer uncached)
    entry_key: str | None  # None: this query is not stored
    config: tuple[str, bool] | None  # (key, public), when cached under `version`
    entry: tuple[str, bytes] | None  # (etag, content), when cached under `version`


def _entry_key(request: HttpRequest) -> str | None:
    if not set(request.GET.keys()) <= _CACHEABLE_PARAMS:
        return None
    query = sorted((k, v) for k, values in request.GET.lists() for v in values if k != "key")
    sent_key = request.GET.get("key")
    key_part = sha256(sent_key.encode()).hexdigest()[:16] if sent_key else ""
    where = f"{request.get_host()}|{request.path}|{query!r}|{key_part}".encode()
    digest = blake2b(where, digest_size=16).hexdigest()
    return _ENTRY_KEY.format(schema=request.tenant.schema_name, digest=digest)


def _current(raw: bytes | None, version: int) -> tuple | None:
    if raw is None:
        return None
    stored_version, *value = pickle.loads(raw)  # noqa: S301 (our own Redis)
    return tuple(value) if stored_version == version else None


def _lookup(request: HttpRequest) -> _Lookup:
    """The blog's version, its cached key/flag and this request's cached answer: one MGET,
    once per request."""
    if hasattr(request, "_content_cache"):
        return request._content_cache
    schema = request.tenant.schema_name
    version_key = _VERSION_KEY.format(schema=schema)
    entry_key = _entry_key(request)
    keys = [version_key, _CONFIG_KEY.format(schema=schema)] + ([entry_key] if entry_key else [])
    try:
        raw = _redis().mget(keys)
        if raw[0] is None:  # as the page cache does: start from the clock
            version = time.time_ns()
            if not _redis().set(version_key, version, nx=True):
                version = int(_redis().get(version_key) or version)
        else:
            version = int(raw[0])
    except redis.RedisError:
        logger.warning("page cache unreachable: Content API answered uncached")
        request._content_cache = _Lookup(None, None, None, None)
        return request._content_cache
    entry = _current(raw[2], version) if entry_key else None
    request._content_cache = _Lookup(version, entry_key, _current(raw[1], version), entry)
    return request._content_cache


def content_config(request: HttpRequest) -> tuple[str, bool]:
    """The blog's Content API key and whether the API is public, from the cache when the
    blog has not changed since (rotations and "public" changes call `blog_changed()`)."""
    look = _lookup(request)
    if look.config is not None:
        return look.config
    config = services.content_api_config()
    value = (config.content_key, config.public)
    if look.version is not None:
        try:
            entry = pickle.dumps((look.version, *value))
            _redis().set(
                _CONFIG_KEY.format(schema=request.tenant.schema_name), entry, ex=PAGE_SECONDS
            )
        except redis.RedisError:
            pass
    return value


def _headers(request: HttpRequest, response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    if getattr(request, "content_api_public", False):
        s_maxage = settings.QUIRE_FRONT_S_MAXAGE
        max_age = min(settings.QUIRE_FRONT_MAX_AGE, s_maxage)
        response["Cache-Control"] = f"public, max-age={max_age}, s-maxage={s_maxage}"
        response["Surrogate-Key"] = response["xkey"] = blog_key(request.tenant.schema_name)
    else:
        response["Cache-Control"] = PRIVATE_REVALIDATE
    return get_conditional_response(request, etag=etag, response=response)


def content_cached(
    request: HttpRequest, *, api: NinjaAPI, schema: type[Schema], build: Callable[[], Any]
) -> HttpResponse:
    """The answer `build()` gives (validated by `schema`, rendered as ninja renders it), from
    the cache when the blog has not changed since it was stored. Call only from a view (the
    key has been checked). `build` may raise (a 404 is not cached)."""
    look = _lookup(request)
    if look.entry is not None:
        etag, content = look.entry
        response = HttpResponse(content, content_type=api.get_content_type())
        response["X-Cache"] = "hit"
        return _headers(request, response, etag)
    data = schema.model_validate(build()).model_dump()
    response = api.create_response(request, data, status=200)
    etag = f'"{blake2b(response.content, digest_size=12).hexdigest()}"'
    if look.entry_key is not None and look.version is not None:
        try:
            entry = pickle.dumps((look.version, etag, response.content))
            _redis().set(look.entry_key, entry, ex=PAGE_SECONDS)
        except redis.RedisError:
            pass
        response["X-Cache"] = "miss"
    return _headers(request, response, etag)
