"""Counting reader page views and feed fetches in Redis: one pipeline per counted request,
sent without waiting on a connection Redis does not answer (`_Sender`).

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

import atexit
import logging
import os
import threading
import time as time_
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import redis
from django.conf import settings

from analytics.keys import (  # noqa: F401 (named here for callers)
    COUNTS_SECONDS,
    PREFIX,
    SALT_GRACE_SECONDS,
    UNIQUE_SECONDS,
    counts_key,
    salt_key,
    unique_key,
)
from analytics.visitors import (  # noqa: F401 (named here for callers)
    _salt_for,
    _salt_memo,
    device_class,
    referrer_domain,
    visitor_hash,
)
from lib import redis_wire

logger = logging.getLogger(__name__)

VIEW, FEED = "view", "feed"


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def redis_client() -> redis.Redis:
    """One client per process, in the cache's Redis database."""
    return _client(settings.REDIS_URL)


class _Sender:
    """Sends each request's counts on a connection of its own on which Redis sends no replies
    (`CLIENT REPLY OFF`): counting costs a request one `send` of a few plain commands, no
    round trip and no reply to read, and Redis no script. One per process (forks make their
    own); a lock for threaded servers. Redis applies a connection's commands in order, so
    `sync` (a `CLIENT REPLY ON` whose answer is awaited) is a barrier. A broken connection
    loses what was in flight (a few counts), never a page; so does a command Redis refuses
    (out of memory), which it cannot say on this connection."""

    def __init__(self, url: str):
        self.pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.lock = threading.Lock()
        self.connection: redis.Connection | None = None
        self.pid = 0
        self.sent = 0  # pipelines sent by this process (tests: one per counted request)

    def send(self, packed: bytes) -> None:
        with self.lock:
            try:
                if self.connection is None or self.pid != os.getpid():
                    # A fork's copy of its parent's connection is left alone (not closed: the
                    # socket is the parent's too).
                    self.connection = self.pool.make_connection()
                    self.pid = os.getpid()
                    self.connection.send_packed_command([_REPLY_OFF], check_health=False)
                self.connection.send_packed_command([packed], check_health=False)
                self.sent += 1
            except (redis.RedisError, OSError):
                self._drop()
                raise redis.ConnectionError("analytics: could not send counts") from None

    def sync(self) -> None:
        """Wait until Redis has applied every count this process sent."""
        with self.lock:
            if self.connection is not None and self.pid == os.getpid():
                try:
                    self.connection.send_packed_command([_REPLY_ON], check_health=False)
                    self.connection.read_response()
                    self.connection.send_packed_command([_REPLY_OFF], check_health=False)
                except (redis.RedisError, OSError):
                    self._drop()

    def _drop(self) -> None:
        if self.connection is not None:
            self.connection.disconnect()
        self.connection = None


_REPLY_OFF = redis_wire.pack(b"CLIENT", b"REPLY", b"OFF")
_REPLY_ON = redis_wire.pack(b"CLIENT", b"REPLY", b"ON")


@lru_cache(maxsize=4)
def _sender(url: str) -> _Sender:
    return _Sender(url)


def counts_sync() -> None:
    """Wait until Redis has applied the counts this process sent (they are sent without
    waiting for the answer, or queued for the next write). For readers of the counts in the
    same process: the flush, tests."""
    _queue.flush()
    _sender(settings.REDIS_URL).sync()


# --- recording -----------------------------------------------------------------------------


@dataclass(slots=True)  # not frozen: a frozen init costs a setattr call per field, per hit
class Hit:
    tenant_id: int
    kind: str  # VIEW or FEED
    ip: str
    user_agent: str
    post_id: int | None = None
    referrer: str = ""  # a domain (referrer_domain)
    country: str = ""


# The day's parts, per process: (days since the epoch, date, counts key).
_today_memo: list[tuple[int, date, bytes]] = []
_PACK_COUNTS_SECONDS = b"%d" % COUNTS_SECONDS
_PACK_UNIQUE_SECONDS = b"%d" % UNIQUE_SECONDS


def _today(now: datetime | None) -> tuple[date, bytes]:
    if now is not None:
        day = now.astimezone(UTC).date()
        return day, counts_key(day).encode()
    epoch_day = int(time_.time() // 86400)
    if not _today_memo or _today_memo[0][0] != epoch_day:
        day = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=epoch_day)).date()
        _today_memo[:] = [(epoch_day, day, counts_key(day).encode())]
    return _today_memo[0][1], _today_memo[0][2]


def _visitor(hit: Hit, day: date) -> str:
    """The hit's visitor hash under the day's salt (remembered by the process)."""
    memo = _salt_memo.get("salt")
    salt = memo[1] if memo is not None and memo[0] == day else _salt_for(redis_client(), day)
    return visitor_hash(salt=salt, tenant_id=hit.tenant_id, ip=hit.ip, user_agent=hit.user_agent)


def _commands(hit: Hit, now: datetime | None) -> bytes:
    """One hit's counts as plain commands, packed for one write: for a view, the visitor's
    hash into the blog's sketch of the day and the hash fields `v`, `d|<device>`, and
    `p|<post>`, `r|<referrer>`, `c|<country>` when known; for a feed fetch the field `f`;
    and the expiries (the flush renames the counts hash every
    minute). Not atomic: a flush renaming the counts hash between two of them splits one
    view's fields over two batches, which add up to the same day."""
    pack = redis_wire.pack
    day, counts = _today(now)
    tid = b"%d" % hit.tenant_id
    expire_counts = pack(b"EXPIRE", counts, _PACK_COUNTS_SECONDS)
    if hit.kind == FEED:
        return pack(b"HINCRBY", counts, tid + b"|f", b"1") + expire_counts
    visitor = _visitor(hit, day)
    unique = unique_key(day, hit.tenant_id).encode()
    device = device_class(hit.user_agent).encode()
    parts = [
        pack(b"PFADD", unique, visitor.encode()),
        pack(b"EXPIRE", unique, _PACK_UNIQUE_SECONDS),
        pack(b"HINCRBY", counts, tid + b"|v", b"1"),
        pack(b"HINCRBY", counts, b"%s|d|%s" % (tid, device), b"1"),
    ]
    if hit.post_id is not None:
        parts.append(pack(b"HINCRBY", counts, b"%s|p|%d" % (tid, hit.post_id), b"1"))
    if hit.referrer:
        parts.append(pack(b"HINCRBY", counts, b"%s|r|%s" % (tid, hit.referrer.encode()), b"1"))
    if hit.country:
        parts.append(pack(b"HINCRBY", counts, b"%s|c|%s" % (tid, hit.country.encode()), b"1"))
    parts.append(expire_counts)
    return b"".join(parts)


def hit_record(hit: Hit, *, now: datetime | None = None) -> None:
    """Count one view or feed fetch: one pipeline of a few commands, sent without waiting (no
    reply comes back; plus, once per process per day, reading the day's salt). Redis being
    down loses the count, never the page."""
    try:
        _sender(settings.REDIS_URL).send(_commands(hit, now))
    except redis.RedisError:
        logger.warning("analytics: Redis unreachable, a %s was not counted", hit.kind)


# --- page-cache hits: counted with the process's next write to Redis ----------------------
#
# A page-cache hit's Redis round trip is the lookup's `MGET` (blog.cache), and whether the page
# is served, and so counted, is known only from its answer. Its counts are then added up in the
# process (a count per hash field, the visitors' hashes per blog) and written with a later
# lookup, in the same write as that `MGET`, each command behind `CLIENT REPLY SKIP` so that
# Redis answers nothing for them. The queue is written at most every WRITE_SECONDS (or when
# WRITE_HITS hits are waiting): under load a hundred hits cost Redis one `HINCRBY` per field
# and one `PFADD` per blog, not a handful of commands each, and the process no packing per hit.
# A write per request, or a script in the lookup, is what counting cost before: on 2 shared
# cores each write wakes Redis, and each command or script call costs Redis CPU before the
# `MGET`'s answer can leave (bench/read_throughput). When no lookup takes the queue within a
# second (a quiet process), a timer thread writes it, and `counts_sync` and the process's exit
# do too. A process killed outright loses at most its last second of hits; Redis keeps the
# counts no longer than a minute anyway before the flush moves them into PostgreSQL.

QUEUE_SECONDS = 1.0
WRITE_SECONDS = 0.1
WRITE_HITS = 256
_SKIP = redis_wire.pack(b"CLIENT", b"REPLY", b"SKIP")


def _skipped(*command: bytes) -> bytes:
    return _SKIP + redis_wire.pack(*command)


class _Queue:
    """The counts of a process's page-cache hits, added up until a write to Redis takes them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.flush_lock = threading.Lock()
        self.timer: threading.Thread | None = None
        self._empty()

    def _empty(self) -> None:
        self.hits = 0
        self.due = 0.0  # monotonic time from which a lookup writes the queue
        self.fields: dict[tuple[bytes, bytes], int] = {}  # (counts key, field) -> count
        self.visitors: dict[bytes, set[bytes]] = {}  # sketch key -> visitor hashes

    def put(self, counts: bytes, fields: tuple[bytes, ...], unique: bytes, visitor: bytes) -> None:
        """One hit: +1 on each field of the day's counts hash; for a view, its visitor's hash
        for the blog's sketch (`unique`; b"" for a feed fetch)."""
        with self.lock:
            if not self.hits:
                self.due = time_.monotonic() + WRITE_SECONDS
            self.hits += 1
            for field in fields:
                key = (counts, field)
                self.fields[key] = self.fields.get(key, 0) + 1
            if unique:
                self.visitors.setdefault(unique, set()).add(visitor)
            if self.timer is None:
                self.timer = threading.Thread(target=self._run, name="analytics-queue", daemon=True)
                self.timer.start()

    def take(self, *, now: bool = False) -> bytes:
        """The queued counts as commands, each behind `CLIENT REPLY SKIP` (b"" when nothing is
        queued, or, unless `now`, when it is not yet due)."""
        hits = self.hits  # read without the lock: a count put meanwhile goes next time
        if not hits or not (now or hits >= WRITE_HITS or time_.monotonic() >= self.due):
            return b""
        with self.lock:
            fields, visitors = self.fields, self.visitors
            self._empty()
        # The visitors first: a flush that sees a view finds its visitor in the sketch.
        parts = []
        for unique, hashes in visitors.items():
            parts.append(_skipped(b"PFADD", unique, *hashes))
            parts.append(_skipped(b"EXPIRE", unique, _PACK_UNIQUE_SECONDS))
        days = set()
        for (counts, field), count in fields.items():
            parts.append(_skipped(b"HINCRBY", counts, field, b"%d" % count))
            days.add(counts)
        parts += [_skipped(b"EXPIRE", counts, _PACK_COUNTS_SECONDS) for counts in days]
        return b"".join(parts)

    def flush(self) -> None:
        """Write what is queued now, and wait until Redis has applied it (and what the timer
        may be writing at the same moment)."""
        with self.flush_lock:
            hits = self.hits
            queued = self.take(now=True)
            if not queued:
                return
            try:
                redis_wire.wire(settings.REDIS_URL).call(queued + _PING)
            except redis.RedisError:
                logger.warning("analytics: Redis unreachable, %d page-cache hits were not "
                               "counted", hits)  # fmt: skip

    def _run(self) -> None:
        while True:
            time_.sleep(QUEUE_SECONDS)
            self.flush()


_PING = redis_wire.pack(b"PING")
_queue = _Queue()
atexit.register(_queue.flush)
# A forked child (gunicorn's workers, Celery's pool) starts with an empty queue, locks nobody
# holds and no timer: the parent's are the parent's.
os.register_at_fork(after_in_child=_queue.__init__)


@lru_cache(maxsize=4096)
def _view_fields(day: date, tid: bytes, device: bytes) -> tuple[bytes, bytes, bytes]:
    """A page view's fixed fields for one blog and device class, and its sketch's key, made
    once rather than per hit."""
    return tid + b"|v", b"%s|d|%s" % (tid, device), unique_key(day, int(tid)).encode()


def _hit_queue(hit: Hit, post: bytes) -> None:
    """Queue a page-cache hit's counts (what `_commands` writes for a hit)."""
    day, counts = _today(None)
    tid = b"%d" % hit.tenant_id
    if hit.kind == FEED:
        _queue.put(counts, (tid + b"|f",), b"", b"")
        return
    view, device, unique = _view_fields(day, tid, device_class(hit.user_agent).encode())
    fields = [view, device]
    if post:
        fields.append(b"%s|p|%s" % (tid, post))
    if hit.referrer:
        fields.append(b"%s|r|%s" % (tid, hit.referrer.encode()))
    if hit.country:
        fields.append(b"%s|c|%s" % (tid, hit.country.encode()))
    _queue.put(counts, tuple(fields), unique, _visitor(hit, day).encode())


def lookup_and_record(
    hit: Hit, *, version_key: str, page_key: str
) -> tuple[bytes | None, bytes | None, bool]:
    """The blog's page-cache version and the cached page (what blog.cache's `MGET` gives), in
    one write that also carries the hits this process queued; when the page is served from the
    cache (`served_post`) its counts are queued in turn, and the third value is True (if not, the
    response is counted as usual). A page view's post is the cached entry's (give no
    `hit.post_id`). Raises `redis.RedisError`."""
    mget = redis_wire.pack(b"MGET", version_key.encode(), page_key.encode())
    version, entry = redis_wire.wire(settings.REDIS_URL).call(_queue.take() + mget)
    feed = hit.kind == FEED
    post = served_post(version, entry, feed=feed)
    if post is not None:
        _hit_queue(hit, b"" if feed else post)
    return version, entry, post is not None


def served_post(version: bytes | None, entry: bytes | None, *, feed: bool) -> bytes | None:
    """The post id (b"" for none) of a cached entry that is served, and so counted: current
    (its first line starts with the blog's version), answered 200 and, for a page view, HTML
    (blog.cache._entry: `<version> <status> <h|o> <post id>`); None for any other entry."""
    if not version or not entry:
        return None
    parts = entry[:80].partition(b"\n")[0].split(b" ")
    if (
        len(parts) == 4
        and parts[0] == version
        and parts[1] == b"200"
        and (feed or parts[2] == b"h")
    ):
        return parts[3]
    return None
