"""Per-blog page cache for anonymous readers, in Redis.

Keys carry the schema name and the blog's version number; `blog_changed()` bumps the version,
so every cached page of that blog goes stale at once (old entries expire on their own).
Services call `blog_changed()` explicitly after anything readers can see changes.
"""

import time
from collections.abc import Callable
from functools import wraps
from hashlib import blake2b

from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse

PAGE_SECONDS = 600
NOT_FOUND_SECONDS = 60
_VERSION_KEY = "blog:{schema}:version"
_PAGE_KEY = "blog:{schema}:{version}:page:{digest}"
_CACHED_STATUSES = {200, 301, 404}
_KEPT_HEADERS = ("Content-Type", "Location")


def _version(schema: str) -> int:
    key = _VERSION_KEY.format(schema=schema)
    version = cache.get(key)
    if version is None:
        # Start from the clock, so a version lost from Redis is never reused.
        version = time.time_ns()
        if not cache.add(key, version, None):
            version = cache.get(key, version)
    return version


def blog_changed(*, schema: str | None = None) -> None:
    """Make every cached page of a blog (default: the current schema's) stale.

    Bumped now and again after commit: a reader who rendered the old rows between the two
    cached them under the first new version, which the second bump retires.
    """
    schema = schema or connection.schema_name

    def bump() -> None:
        key = _VERSION_KEY.format(schema=schema)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, time.time_ns(), None)

    bump()
    transaction.on_commit(bump)


def _page_key(request: HttpRequest) -> str:
    schema = request.tenant.schema_name
    where = f"{request.get_host()}|{request.get_full_path()}".encode()
    digest = blake2b(where, digest_size=16).hexdigest()
    return _PAGE_KEY.format(schema=schema, version=_version(schema), digest=digest)


def _is_anonymous(request: HttpRequest) -> bool:
    # No session cookie: certainly anonymous, and the session is never loaded (no query).
    return not request.user.is_authenticated


def reader_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous GET/HEAD requests from the blog's page cache; logged-in people and
    other methods always get a fresh page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or not _is_anonymous(request):
            return view(request, *args, **kwargs)
        key = _page_key(request)
        hit = cache.get(key)
        if hit is not None:
            status, headers, content = hit
            response = HttpResponse(content, status=status)
            for name, value in headers.items():
                response[name] = value
            response["X-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if response.status_code in _CACHED_STATUSES and not response.cookies:
            headers = {h: response[h] for h in _KEPT_HEADERS if h in response}
            timeout = NOT_FOUND_SECONDS if response.status_code == 404 else PAGE_SECONDS
            cache.set(key, (response.status_code, headers, response.content), timeout)
        response["X-Cache"] = "miss"
        return response

    return wrapper
