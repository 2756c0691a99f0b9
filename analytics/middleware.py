"""Counting reader traffic, for page-cache hits and rendered pages alike.

`AnalyticsMiddleware` sits right after host routing and before the reader page cache
(`blog.cache.ReaderCacheMiddleware`), so it sees every answer on a blog's host, including the
cache hits answered before any view runs. `blog.cache` marks what it answered to an anonymous
reader (`request.reader_response`, before a 304 replaced it); only those are counted:
  - a feed (`/feed/`, `/rss/`, `/tag/<t>/feed/`) answered 200 or 304: a feed fetch;
  - an HTML page answered 200 or 304 (home, posts, pages, tags, archive): a page view,
    unless `QUIRE_ANALYTICS_BEACON` is on (then the page's beacon counts it, once);
  - GET only; known bots, browsers' prefetches and logged-in members are not counted.

With a shared cache (Varnish, a CDN) in front, most page views never reach Django: set
`QUIRE_ANALYTICS_BEACON=1` and reader pages carry a few bytes of script that send
`navigator.sendBeacon("/_quire/view")` (cookieless, same origin, passed by the front cache
as `/_quire/...` is), answered here with 204. Feed fetches are then counted only when they reach
Django (a front-cache hit is not seen).
"""

import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from analytics import beacon, counting
from analytics.bots import is_bot
from analytics.geo import country_of

logger = logging.getLogger(__name__)

BEACON_PATH = "/_quire/view"
_BEACON_MAX_BYTES = 2048


def is_feed(path: str) -> bool:
    return path in ("/feed/", "/rss/") or (path.startswith("/tag/") and path.endswith("/feed/"))


def _prefetch(request: HttpRequest) -> bool:
    # META, not request.headers: that builds a dict of every header, on the fast path.
    purpose = request.META.get("HTTP_SEC_PURPOSE") or request.META.get("HTTP_PURPOSE") or ""
    return "prefetch" in purpose.lower()


def _post_id(response: HttpResponse) -> int | None:
    """A post page's surrogate key names the post: `post-<schema>-<id>` (blog.cache)."""
    for key in response.get("Surrogate-Key", "").split():
        if key.startswith("post-"):
            tail = key.rsplit("-", 1)[-1]
            if tail.isdecimal():
                return int(tail)
    return None


def _referrer(request: HttpRequest) -> str:
    raw = request.META.get("HTTP_REFERER", "")
    return counting.referrer_domain(raw, own_host=request.get_host()) if raw else ""


class _CountingFetch:
    """Handed to the reader page cache (`request.reader_fetch`) for a request that will be
    counted if the cache answers it: the cache's lookup then counts the hit
    (`counting.lookup_and_record`: queued, and written with the process's next lookup), so a
    counted cache hit costs no write to Redis of its own.
    Only for what is known before the lookup to be countable: a GET, not a prefetch, not a
    bot, no `If-Match`/`If-Unmodified-Since` (which could turn a hit into a 412), and a feed or,
    without the beacon, a page. Only a current entry answered 200 (and for a page, HTML) is
    counted there; anything else is counted, or not, after the response as before."""

    __slots__ = ("request", "kind", "user_agent")

    def __init__(self, request: HttpRequest, kind: str, user_agent: str):
        self.request, self.kind, self.user_agent = request, kind, user_agent

    def __call__(self, *, version_key: str, page_key: str) -> tuple[bytes | None, bytes | None]:
        request = self.request
        ip = request.META.get("REMOTE_ADDR", "")
        view = self.kind == counting.VIEW
        hit = counting.Hit(
            tenant_id=request.tenant.id,
            kind=self.kind,
            ip=ip,
            user_agent=self.user_agent,
            referrer=_referrer(request) if view else "",
            country=country_of(ip) if view else "",
        )
        version, entry, counted = counting.lookup_and_record(
            hit, version_key=version_key, page_key=page_key
        )
        request.reader_counted = counted
        return version, entry


def _counting_fetch(request: HttpRequest) -> _CountingFetch | None:
    if request.method != "GET" or _prefetch(request):
        return None
    meta = request.META
    if "HTTP_IF_MATCH" in meta or "HTTP_IF_UNMODIFIED_SINCE" in meta:
        return None
    kind = counting.FEED if is_feed(request.path) else counting.VIEW
    if kind == counting.VIEW and settings.QUIRE_ANALYTICS_BEACON:
        return None
    user_agent = meta.get("HTTP_USER_AGENT", "")
    if is_bot(user_agent, feed=kind == counting.FEED):
        return None
    return _CountingFetch(request, kind, user_agent)


def response_count(request: HttpRequest, response: HttpResponse) -> None:
    answered = getattr(request, "reader_response", None)
    if (
        answered is None
        # counted with the cache lookup (_CountingFetch)
        or getattr(request, "reader_counted", False)
        or request.method != "GET"
        or answered.status_code != 200
        or response.status_code not in (200, 304)
        or _prefetch(request)
    ):
        return
    if is_feed(request.path):
        kind = counting.FEED
    elif answered.get("Content-Type", "").startswith("text/html"):
        if settings.QUIRE_ANALYTICS_BEACON:
            return  # the page's beacon counts it
        kind = counting.VIEW
    else:
        return  # sitemap, robots.txt, OpenSearch, search suggestions
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    if is_bot(user_agent, feed=kind == counting.FEED):
        return
    ip = request.META.get("REMOTE_ADDR", "")
    counting.hit_record(
        counting.Hit(
            tenant_id=request.tenant.id,
            kind=kind,
            ip=ip,
            user_agent=user_agent,
            post_id=_post_id(answered) if kind == counting.VIEW else None,
            referrer=_referrer(request) if kind == counting.VIEW else "",
            country=country_of(ip) if kind == counting.VIEW else "",
        )
    )


def _no_content(status: int = 204) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Cache-Control"] = "no-store"
    return response


def beacon_receive(request: HttpRequest) -> HttpResponse:
    """`POST /_quire/view` from a reader page's beacon: `{"v": <page token>, "r": referrer}`.
    The token is signed per blog and post (analytics.beacon), so a beacon cannot count
    posts that do not exist or another blog's. Always 204 for a browser; 400 for junk."""
    if request.method != "POST":
        return _no_content(405)
    body = request.read(_BEACON_MAX_BYTES + 1)
    if len(body) > _BEACON_MAX_BYTES:
        return _no_content(400)
    try:
        data = json.loads(body)
        post_id = beacon.token_read(tenant_id=request.tenant.id, token=str(data["v"]))
        referrer = str(data.get("r") or "")[:500]
    except (ValueError, KeyError, TypeError):
        return _no_content(400)
    if post_id is beacon.INVALID:
        return _no_content(400)
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    if is_bot(user_agent):
        return _no_content()
    ip = request.META.get("REMOTE_ADDR", "")
    counting.hit_record(
        counting.Hit(
            tenant_id=request.tenant.id,
            kind=counting.VIEW,
            ip=ip,
            user_agent=user_agent,
            post_id=post_id,
            referrer=counting.referrer_domain(referrer, own_host=request.get_host()),
            country=country_of(ip),
        )
    )
    return _no_content()


class AnalyticsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(request, "tenant", None) is None or not settings.QUIRE_ANALYTICS:
            return self.get_response(request)
        if request.path == BEACON_PATH and settings.QUIRE_ANALYTICS_BEACON:
            return beacon_receive(request)
        request.reader_fetch = _counting_fetch(request)
        response = self.get_response(request)
        response_count(request, response)
        return response
