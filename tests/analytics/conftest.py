"""Helpers for the analytics tests: readers with a browser's user agent and a known address,
everything in Redis as bytes, and the flush run in the test's own process."""

import pytest
from django.test import Client

from analytics import counting
from lib.urls import blog_host

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
READER_IP = "198.51.100.23"


def reader(tenant, *, ip: str = READER_IP, ua: str = BROWSER, **extra) -> Client:
    """An anonymous reader of `tenant` (not through a trusted proxy: its address stands)."""
    return Client(
        HTTP_HOST=blog_host(tenant.subdomain), REMOTE_ADDR=ip, HTTP_USER_AGENT=ua, **extra
    )


def redis_dump() -> bytes:
    """Every key of the test's Redis database and every value in it, as one blob."""
    counting.counts_sync()
    client = counting.redis_client()
    out = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        out.append(key)
        if kind == b"string":
            out.append(client.get(key) or b"")
        elif kind == b"hash":
            for field, value in client.hgetall(key).items():
                out += [field, value]
        elif kind == b"set":
            out += list(client.smembers(key))
        elif kind == b"list":
            out += client.lrange(key, 0, -1)
        elif kind == b"zset":
            out += [m for m, _s in client.zrange(key, 0, -1, withscores=True)]
    return b"\n".join(out)


@pytest.fixture(autouse=True)
def _fresh_salt():
    counting._salt_memo.clear()
    yield
    counting._salt_memo.clear()
