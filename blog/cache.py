"""Per-blog page cache for anonymous readers, in Redis.

Each blog (schema) has a version number; `blog_changed()` bumps it, so every cached page of
that blog goes stale at once. A cached page records the version it was rendered under and is
served only while that is still the blog's version: the version and the page are read together
in one round trip. Keys carry the schema name and the host. Services call `blog_changed()`
explicitly after anything readers can see changes (posts, pages, settings, navigation).

The same pages are meant for a shared front cache (Varnish, a CDN): an anonymous reader's page
carries `Cache-Control: public, max-age=<short>, s-maxage=<longer>`, an `ETag` (its bytes) and
`Last-Modified` (when it was rendered), answered `304` here for a conditional GET, hit or miss,
and surrogate keys (`xkey`, `Surrogate-Key`) that `blog_changed()` purges through
`blog.purge`: every page names its blog; a post's page also names the post; every other page
(lists, feeds, tags, archive, sitemap, search, 404s, redirects) names the blog's index. A post
page shows only that post and the blog's settings, so a change to one post purges that post's
page and the index pages, and every other post's page stays in the front cache.
Everything else (logged-in people, the dashboard, responses that set cookies) is
`private, no-store`.
"""

import logging
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from hashlib import blake2b

import redis
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from blog.purge import purge
from lib import redis_wire

PAGE_SECONDS = 600
NOT_FOUND_SECONDS = 60
logger = logging.getLogger(__name__)

_VERSION_KEY = "quire:blog:{schema}:version"
# `pg:` entries start with a header line (_entry); `page:` held bare pickles, which processes
# of an older release still read while a deploy rolls: the two never share an entry.
_PAGE_KEY = "quire:blog:{schema}:pg:{digest}"
_CACHED_STATUSES = {200, 301, 404}
_KEPT_HEADERS = (
    "Content-Type",
    "Location",
    "X-Frame-Options",
    "Cache-Control",
    "ETag",
    "Last-Modified",
    "Surrogate-Key",
    "xkey",
)
PRIVATE = "private, no-store"


def blog_key(schema: str) -> str:
    """The surrogate key of every shareable page of a blog (what a purge names)."""
    return f"blog-{schema}"


def post_key(schema: str, post_id: int) -> str:
    """The key of one post's (or page's) own page."""
    return f"post-{schema}-{post_id}"


def index_key(schema: str) -> str:
    """The key of every page of a blog that is not one post's page: what any post can show up
    on (home, tags, feeds, archive, sitemap, search) or become (a 404 at a new slug)."""
    return f"index-{schema}"


def version_key(schema: str) -> str:
    """The Redis key of a blog's page-cache version: caches of fragments above blog (comments)
    read it beside their own, so that whatever retires a blog's pages retires theirs too."""
    return _VERSION_KEY.format(schema=schema)


def redis_client() -> redis.Redis:
    """The page cache's Redis client (one per process), for caches of fragments above blog."""
    return _redis()


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def _redis() -> redis.Redis:
    """One client per process, in the cache's Redis database (so `cache.clear()` empties it too).

    Not Django's cache API: it builds a new client object per call, which costs more than
    the round trip on a cache hit.
    """
    return _client(settings.REDIS_URL)


def blog_changed(*, schema: str | None = None, post_ids: list[int] | None = None) -> None:
    """Make every cached page of a blog (default: the current schema's) stale.

    Bumped now and again after commit: a reader who rendered the old rows between the two
    cached them under the first new version, which the second bump retires. The front cache is
    purged after commit: the whole blog, or with `post_ids` (only those posts changed) those
    posts' pages and the blog's index pages.
    """
    schema = schema or connection.schema_name
    if post_ids:
        keys = [post_key(schema, post_id) for post_id in post_ids] + [index_key(schema)]
    else:
        keys = [blog_key(schema)]

    def bump() -> None:
        key = _VERSION_KEY.format(schema=schema)
        try:
            # Start from the clock, so that a version lost from Redis is never reused.
            if not _redis().set(key, time.time_ns(), nx=True):
                _redis().incr(key)
        except redis.RedisError:
            # The write itself succeeded; pages cached before this expire by themselves.
            logger.warning("page cache unreachable: could not retire %s's cached pages", schema)

    bump()
    transaction.on_commit(bump)
    # The front cache after commit only: purged earlier, it could fetch the old rows again.
    transaction.on_commit(lambda: purge(keys=keys))


@dataclass
class _Lookup:
    key: str
    version: int
    response: HttpResponse | None


def _cacheable_query(request: HttpRequest) -> bool:
    """Only the page number varies a cached page: any other query string (tracking tags,
    random cache-busters) is rendered fresh and not stored, so it cannot flood Redis."""
    return set(request.GET.keys()) <= {"page"}


def _lookup(request: HttpRequest) -> _Lookup | None:
    """The page's key, the blog's current version and the cached response, if still valid.
    None when the page is not to be cached, or Redis cannot be reached (pages stay up)."""
    if not _cacheable_query(request):
        return None
    schema = request.tenant.schema_name
    # The scheme too: behind a trusted proxy an https page's links are https://, and a plain
    # http reader must not be given it.
    where = f"{request.scheme}|{request.get_host()}|{request.get_full_path()}".encode()
    key = _PAGE_KEY.format(schema=schema, digest=blake2b(where, digest_size=16).hexdigest())
    version_key = _VERSION_KEY.format(schema=schema)
    try:
        # Analytics may carry counts in this same write and count the hit (analytics.middleware).
        fetch = getattr(request, "reader_fetch", None)
        if fetch is not None:
            raw_version, raw_entry = fetch(version_key=version_key, page_key=key)
        else:
            command = redis_wire.pack(b"MGET", version_key.encode(), key.encode())
            raw_version, raw_entry = redis_wire.wire(settings.REDIS_URL).call(command)
        if raw_version is None:
            version = time.time_ns()
            if not _redis().set(version_key, version, nx=True):
                version = int(_redis().get(version_key) or version)
            return _Lookup(key, version, None)
    except redis.RedisError:
        logger.warning("page cache unreachable: serving %s uncached", request.path)
        return None
    version = int(raw_version)
    head, _newline, body = (raw_entry or b"").partition(b"\n")
    if not head.startswith(b"%d " % version):  # none, stale, or of an older format
        return _Lookup(key, version, None)
    status, headers, content = pickle.loads(body)  # noqa: S301 (our own Redis)
    response = HttpResponse(content, status=status)
    for name, value in headers.items():
        response[name] = value
    response["X-Cache"] = "hit"
    # A hit skips CommonMiddleware, which sets this on every other page: without it gunicorn
    # sends the page chunked, and Caddy and the client pay for the framing (bench/https.py).
    response["Content-Length"] = str(len(response.content))
    return _Lookup(key, version, _conditional(request, response))


def _front_headers(request: HttpRequest, response: HttpResponse) -> None:
    """What a shared cache and a browser need to keep, revalidate and purge an anonymous
    reader's page."""
    schema = request.tenant.schema_name
    s_maxage = NOT_FOUND_SECONDS if response.status_code == 404 else settings.QUIRE_FRONT_S_MAXAGE
    max_age = min(settings.QUIRE_FRONT_MAX_AGE, s_maxage)
    response["Cache-Control"] = f"public, max-age={max_age}, s-maxage={s_maxage}"
    post_id = getattr(request, "surrogate_post_id", None)
    keys = [blog_key(schema), index_key(schema) if post_id is None else post_key(schema, post_id)]
    response["Surrogate-Key"] = response["xkey"] = " ".join(keys)
    if response.status_code == 200:
        response["ETag"] = f'"{blake2b(response.content, digest_size=12).hexdigest()}"'
        response["Last-Modified"] = http_date()


def _conditional(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """304 Not Modified when the reader (or the front cache) already has this page."""
    request.reader_response = response  # what an anonymous reader got, for analytics' counting
    if response.status_code != 200 or "ETag" not in response:
        return response
    last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
    return get_conditional_response(
        request, etag=response["ETag"], last_modified=last_modified, response=response
    )


def _entry(
    request: HttpRequest, response: HttpResponse, *, version: int, headers: dict[str, str]
) -> bytes:
    """A cached page: a first line `<version> <status> <h|o> <post id>` (h: HTML), which a
    reader of the raw entry can parse without unpickling (analytics.counting.served_post), then the
    pickled status, headers and content."""
    html = b"h" if response.get("Content-Type", "").startswith("text/html") else b"o"
    post_id = getattr(request, "surrogate_post_id", None)
    post = b"%d" % post_id if post_id is not None else b""
    head = b"%d %d %s %s\n" % (version, response.status_code, html, post)
    return head + pickle.dumps((response.status_code, headers, response.content))


class ReaderCacheMiddleware:
    """Right after host routing: answer a cache hit for a reader without a session cookie
    before sessions, CSRF, auth and messages run. Anything else goes on to the views, where
    `reader_page` stores what anonymous readers may share."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._respond(request)
        # Nothing but `reader_page` answers may be shared: the dashboard, logins, the API; and
        # never a response that sets a cookie (the session or CSRF middleware may add one).
        if "Cache-Control" not in response or response.cookies:
            response["Cache-Control"] = PRIVATE
        # A logged-in person gets another page at the same URL. The session middleware says so
        # on the pages it saw; a hit is answered before it runs, so it is said here for both.
        patch_vary_headers(response, ("Cookie",))
        return response

    def _respond(self, request: HttpRequest) -> HttpResponse:
        if (
            getattr(request, "tenant", None) is not None
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            request.reader_cache = _lookup(request)
            if request.reader_cache is not None and request.reader_cache.response is not None:
                return request.reader_cache.response
        return self.get_response(request)


def reader_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous GET/HEAD requests from the blog's page cache, and store what they get;
    logged-in people and other methods always get a fresh page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            response = view(request, *args, **kwargs)
            response["Cache-Control"] = PRIVATE
            return response
        if hasattr(request, "reader_cache"):
            lookup = request.reader_cache
        else:  # not looked up by the middleware (e.g. a stale session cookie)
            lookup = _lookup(request)
            if lookup is not None and lookup.response is not None:
                return lookup.response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        shareable = response.status_code in _CACHED_STATUSES and not response.cookies
        if not shareable or getattr(response, "streaming", False):
            response["Cache-Control"] = PRIVATE
            return response
        _front_headers(request, response)
        if lookup is None:
            return _conditional(request, response)
        headers = {h: response[h] for h in _KEPT_HEADERS if h in response}
        timeout = NOT_FOUND_SECONDS if response.status_code == 404 else PAGE_SECONDS
        entry = _entry(request, response, version=lookup.version, headers=headers)
        try:
            _redis().set(lookup.key, entry, ex=timeout)
        except redis.RedisError:
            pass  # stays uncached; the reader got the page
        response["X-Cache"] = "miss"
        return _conditional(request, response)

    return wrapper
