"""Counting reader page views and feed fetches in Redis: one command per request.

Nothing about a person is kept. A visitor is `blake2b(day salt + blog id + address + user
agent)`, added to the blog's HyperLogLog for the day (which keeps register maxima, not the
hashes); the salt is random per UTC day, lives in Redis until an hour after its day ends and is
then gone, so tomorrow's hashes cannot be linked to today's and nobody can recompute one from
an address (the way Plausible counts). No cookie is read or set.

Keys (in the cache's Redis database), per UTC day D:
  quire:an:D:counts      hash, fields `<blog id>|v` (views), `|f` (feed fetches),
                         `|p|<post id>`, `|r|<domain>`, `|c|<country>`, `|d|<device>`
  quire:an:D:uniq:<id>   HyperLogLog of the day's visitor hashes of one blog
  quire:an:salt:D        the day's salt
`analytics.services.analytics_flush` (periodic) moves the counts into PostgreSQL.
"""

import logging
import os
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from hashlib import blake2b
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.utils import timezone
from redis.commands.core import Script

logger = logging.getLogger(__name__)

PREFIX = "quire:an"
COUNTS_SECONDS = 7 * 86400  # counts the flush never took (beat down) go after a week
UNIQUE_SECONDS = 3 * 86400  # a day's visitor sketch, while its late batches are flushed
SALT_GRACE_SECONDS = 3600  # a salt outlives its day by this much (clock skew), then is gone

VIEW, FEED = "view", "feed"


def counts_key(day: date) -> str:
    return f"{PREFIX}:{day.isoformat()}:counts"


def unique_key(day: date, tenant_id: int) -> str:
    return f"{PREFIX}:{day.isoformat()}:uniq:{tenant_id}"


def salt_key(day: date) -> str:
    return f"{PREFIX}:salt:{day.isoformat()}"


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def redis_client() -> redis.Redis:
    """One client per process, in the cache's Redis database."""
    return _client(settings.REDIS_URL)


# One request's counts as one script (EVAL): a single command to send and a single reply to
# read (cheaper for the web process than a pipeline of six), applied atomically, so a flush
# that renames the counts hash sees a view's visitor and its counts together or neither.
# KEYS: counts hash, visitor sketch. ARGV: visitor hash ("" for a feed fetch), the two TTLs,
# then the hash fields to increment.
_RECORD = """
if ARGV[1] ~= '' then
  redis.call('PFADD', KEYS[2], ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
for i = 4, #ARGV do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


class _Sender:
    """Sends each request's counts on a connection of its own without waiting for Redis's
    answer: the answer is read before the next send, by when it has long arrived. So counting
    costs a request one `send` (no round trip to wait for). One per process (forks make their
    own); a lock for threaded servers. A broken connection loses what was in flight (a few
    counts), never a page."""

    def __init__(self, url: str):
        self.pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.lock = threading.Lock()
        self.connection: redis.Connection | None = None
        self.pid = 0
        self.pending = 0

    def _read_pending(self) -> None:
        while self.pending:
            self.pending -= 1
            try:
                self.connection.read_response()
            except redis.ResponseError as exc:  # a script error: that request's counts only
                logger.warning("analytics: Redis refused a count: %s", exc)

    def send(self, *args: object) -> None:
        with self.lock:
            try:
                if self.connection is None or self.pid != os.getpid():
                    # A fork's copy of its parent's connection is left alone (not closed: the
                    # socket is the parent's too).
                    self.connection, self.pending = self.pool.make_connection(), 0
                    self.pid = os.getpid()
                self._read_pending()
                self.connection.send_command(*args)
                self.pending += 1
            except (redis.RedisError, OSError):
                self._drop()
                raise redis.ConnectionError("analytics: could not send counts") from None

    def sync(self) -> None:
        """Wait until Redis has applied every count this process sent."""
        with self.lock:
            if self.connection is not None and self.pid == os.getpid():
                try:
                    self._read_pending()
                except (redis.RedisError, OSError):
                    self._drop()

    def _drop(self) -> None:
        if self.connection is not None:
            self.connection.disconnect()
        self.connection, self.pending = None, 0


@lru_cache(maxsize=4)
def _sender(url: str) -> _Sender:
    return _Sender(url)


def counts_sync() -> None:
    """Wait until Redis has applied the counts this process sent (they are sent without
    waiting for the answer). For readers of the counts in the same process: the flush, tests."""
    _sender(settings.REDIS_URL).sync()


# --- what a request tells ----------------------------------------------------------------

_TABLET = re.compile(r"iPad|Tablet|Kindle|Silk/|PlayBook|Nexus (7|9|10)|SM-T\d", re.IGNORECASE)
_MOBILE = re.compile(r"Mobi|iPhone|iPod|Android|Windows Phone|BlackBerry|Opera Mini", re.I)
_DESKTOP = re.compile(r"Windows NT|Macintosh|X11|Linux|CrOS", re.IGNORECASE)


@lru_cache(maxsize=4096)
def device_class(user_agent: str) -> str:
    """desktop, mobile, tablet or other, from the user agent (a tablet's Android has no
    "Mobile"; an iPad asking for the desktop site says Macintosh and counts as desktop)."""
    if _TABLET.search(user_agent) or ("Android" in user_agent and "Mobile" not in user_agent):
        return "tablet"
    if _MOBILE.search(user_agent):
        return "mobile"
    if _DESKTOP.search(user_agent):
        return "desktop"
    return "other"


_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,98}[a-z0-9])?")


def referrer_domain(referrer: str, *, own_host: str) -> str:
    """The referring site's domain (no `www.`), or "" for none, this blog itself, or junk."""
    if not referrer:
        return ""
    try:
        host = (urlsplit(referrer.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    own = own_host.lower().split(":")[0]
    if not host or host == own:
        return ""
    host = host.removeprefix("www.")
    return host if _DOMAIN.fullmatch(host) else ""


def _salt_for(client: redis.Redis, day: date) -> bytes:
    """The day's salt: made by whichever process asks first (SET NX), read by the others,
    then remembered by this process until the day changes."""
    cached = _salt_memo.get("salt")
    if cached is not None and cached[0] == day:
        return cached[1]
    key = salt_key(day)
    ends = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
    expires = int(ends.timestamp()) + SALT_GRACE_SECONDS
    fresh = secrets.token_bytes(16)
    client.set(key, fresh, nx=True, exat=expires)
    salt = client.get(key) or fresh
    _salt_memo["salt"] = (day, salt)
    return salt


_salt_memo: dict[str, tuple[date, bytes]] = {}


def visitor_hash(*, salt: bytes, tenant_id: int, ip: str, user_agent: str) -> str:
    data = b"|".join([salt, str(tenant_id).encode(), ip.encode(), user_agent.encode()])
    return blake2b(data, digest_size=16).hexdigest()


# --- recording -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    tenant_id: int
    kind: str  # VIEW or FEED
    ip: str
    user_agent: str
    post_id: int | None = None
    referrer: str = ""  # a domain (referrer_domain)
    country: str = ""


def _command(hit: Hit, day: date) -> tuple[list[str], list[object]]:
    """The keys and arguments of one hit's counts (`_RECORD`'s), reading the day's salt once
    per process per day. The post's field only when `hit.post_id` is set."""
    tid = hit.tenant_id
    if hit.kind == FEED:
        visitor, fields = "", [f"{tid}|f"]
    else:
        salt = _salt_for(redis_client(), day)
        visitor = visitor_hash(salt=salt, tenant_id=tid, ip=hit.ip, user_agent=hit.user_agent)
        fields = [f"{tid}|v", f"{tid}|d|{device_class(hit.user_agent)}"]
        if hit.post_id is not None:
            fields.append(f"{tid}|p|{hit.post_id}")
        if hit.referrer:
            fields.append(f"{tid}|r|{hit.referrer}")
        if hit.country:
            fields.append(f"{tid}|c|{hit.country}")
    keys = [counts_key(day), unique_key(day, tid)]
    return keys, [visitor, COUNTS_SECONDS, UNIQUE_SECONDS, *fields]


def hit_record(hit: Hit, *, now: datetime | None = None) -> None:
    """Count one view or feed fetch: one Redis command, sent without waiting for its answer
    (plus, once per process per day, reading the day's salt). Redis being down loses the
    count, never the page."""
    day = (now or timezone.now()).astimezone(UTC).date()
    try:
        keys, args = _command(hit, day)
        _sender(settings.REDIS_URL).send("EVAL", _RECORD, 2, *keys, *args)
    except redis.RedisError:
        logger.warning("analytics: Redis unreachable, a %s was not counted", hit.kind)


# A reader page-cache lookup that counts the hit in the same round trip (blog.cache reads the
# blog's version and the page; this does the same and, when the page is served from it, what
# `_RECORD` does). A cached entry starts with a line `<version> <status> <h|o> <post id>`
# (blog.cache._entry): counted only when its version is the blog's, its status 200 and, for a
# page view, it is HTML. KEYS: version, page, counts hash, visitor sketch. ARGV: "v" (view) or
# "f" (feed), the post field's prefix, then `_RECORD`'s arguments. Returns version, entry and
# 1 if counted.
_LOOKUP_RECORD = """
local version = redis.call('GET', KEYS[1])
local entry = redis.call('GET', KEYS[2])
if not version or not entry then return {version or false, entry or false, 0} end
local v, status, kind, post = string.match(entry, '^(%d+) (%d+) (%a) (%d*)\\n')
if v ~= version or status ~= '200' or (ARGV[1] == 'v' and kind ~= 'h') then
  return {version, entry, 0}
end
if ARGV[3] ~= '' then
  redis.call('PFADD', KEYS[4], ARGV[3])
  redis.call('EXPIRE', KEYS[4], ARGV[5])
end
for i = 6, #ARGV do redis.call('HINCRBY', KEYS[3], ARGV[i], 1) end
if ARGV[1] == 'v' and post ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[2] .. post, 1) end
redis.call('EXPIRE', KEYS[3], ARGV[4])
return {version, entry, 1}
"""


@lru_cache(maxsize=4)
def _lookup_script(url: str) -> Script:
    return _client(url).register_script(_LOOKUP_RECORD)


def lookup_and_record(
    hit: Hit, *, version_key: str, page_key: str, now: datetime | None = None
) -> tuple[bytes | None, bytes | None, bool]:
    """The blog's page-cache version and the cached page (as `MGET` would give them), with
    the hit counted in the same round trip when the page is served from the cache; whether
    it was is the third value (if not, the response is counted as usual). Give no
    `hit.post_id`: a page view's post is the cached entry's. Raises `redis.RedisError`."""
    day = (now or timezone.now()).astimezone(UTC).date()
    keys, args = _command(hit, day)
    mode = "f" if hit.kind == FEED else "v"
    version, entry, counted = _lookup_script(settings.REDIS_URL)(
        keys=[version_key, page_key, *keys], args=[mode, f"{hit.tenant_id}|p|", *args]
    )
    return version, entry, bool(counted)
