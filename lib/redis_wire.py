"""One Redis write per reader page, without redis-py's per-command machinery.

A page-cache hit costs one Redis round trip: blog.cache's lookup, an `MGET` (with analytics
on, carrying the counts of the hits before it, which Redis does not answer). Through
`redis.Redis.execute_command` that round trip also paid for encoding each argument, the
connection pool's locks, retries, event dispatch and the observability hooks: an `MGET` of a
30 KB page cost 120-136 µs of CPU there, 55-65 µs here. Commands are packed once from bytes
(`pack`) and sent on an idle connection taken from a per-process list; the reply is read with
redis-py's own parser (hiredis when installed), so errors and replies are what redis-py gives.

Connections are redis-py's (`ConnectionPool.make_connection`), kept in a list that threads
pop from and push back to (atomic under the GIL); a forked child starts a list of its own
(the parent's sockets are the parent's). A connection that fails is dropped, and the call is
tried once more on a fresh one (Redis restarted since it was opened): a read is safe to
repeat; counts carried by a write whose answer was lost after Redis applied them are counted
twice, which is as rare as the connection breaking in that instant.
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
        """Send packed commands in one write and return the one reply expected (any other
        command in `packed` must have none: `CLIENT REPLY SKIP` before it). Raises
        `redis.RedisError`: a `ResponseError` for an error reply (the connection stays
        usable), a `ConnectionError` when Redis is unreachable."""
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.send_packed_command([packed], check_health=False)
                reply = connection.read_response()
            except redis.ResponseError:
                self.idle.append(connection)
                raise
            except _ERRORS as exc:
                connection.disconnect()
                if attempt == 2:
                    raise redis.ConnectionError(str(exc)) from exc
                continue
            self.idle.append(connection)
            return reply
        raise AssertionError("unreachable")


@lru_cache(maxsize=4)
def wire(url: str) -> Wire:
    """One per process and Redis URL."""
    return Wire(url)
