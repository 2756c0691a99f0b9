"""One Redis command per reader page, without redis-py's per-command machinery.

A page-cache hit costs one Redis round trip (blog.cache's lookup: `MGET`, or analytics'
`EVALSHA` that also counts the view). Through `redis.Redis.execute_command` that round trip
also pays for encoding each argument, the connection pool's locks, retries, event dispatch and
the observability hooks: ~70 µs of CPU per call on the 2-core machine, about a sixth of a
cached page (bench/read_throughput). Here a command is packed once from bytes (`pack`) and
sent on an idle connection taken from a per-process list; the reply is read with redis-py's
own parser (hiredis when installed), so errors and replies are what redis-py gives.

Connections are redis-py's (`ConnectionPool.make_connection`), kept in a list that threads
pop from and push back to (atomic under the GIL); a forked child starts a list of its own
(the parent's sockets are the parent's). A connection that fails is dropped, and the call is
tried once more on a fresh one (Redis restarted since it was opened): a read is safe to
repeat; a counting script whose answer was lost after Redis ran it may count that view twice,
which is as rare as the connection breaking in that instant.
"""

import os
import threading
from functools import lru_cache

import redis

_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError)


def pack(*parts: bytes) -> bytes:
    """A command in Redis's protocol (RESP), from its parts as bytes."""
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


class Wire:
    def __init__(self, url: str):
        self.pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.idle: list[redis.Connection] = []
        self.pid = os.getpid()
        self.fork_lock = threading.Lock()

    def _connection(self) -> redis.Connection:
        if self.pid != os.getpid():
            with self.fork_lock:
                if self.pid != os.getpid():
                    self.idle, self.pid = [], os.getpid()
        try:
            return self.idle.pop()
        except IndexError:
            return self.pool.make_connection()

    def call(self, packed: bytes) -> object:
        """Send one packed command and return its reply; raises `redis.RedisError` (a
        `ResponseError` for an error reply, e.g. NOSCRIPT: the connection stays usable)."""
        (reply,) = self.call_many(packed, 1)
        if isinstance(reply, redis.ResponseError):
            raise reply
        return reply

    def call_many(self, packed: bytes, count: int) -> list[object]:
        """Send `count` packed commands at once (a pipeline: one write, one round trip) and
        return their replies in order; an error reply is returned as its `ResponseError`
        (the others still count). Raises `redis.ConnectionError` when Redis is unreachable."""
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.send_packed_command([packed], check_health=False)
                replies: list[object] = []
                for _ in range(count):
                    try:
                        replies.append(connection.read_response())
                    except redis.ResponseError as exc:
                        replies.append(exc)
            except _ERRORS as exc:
                connection.disconnect()
                if attempt == 2:
                    raise redis.ConnectionError(str(exc)) from exc
                continue
            self.idle.append(connection)
            return replies
        raise AssertionError("unreachable")


@lru_cache(maxsize=4)
def wire(url: str) -> Wire:
    """One per process and Redis URL."""
    return Wire(url)
