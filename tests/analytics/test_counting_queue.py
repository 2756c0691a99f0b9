"""A page-cache hit's counts are queued in the process and written with its next write to
Redis: they must still arrive when no write follows (the timer), when the process exits (its
exit handler), and for the right blog only."""

import os
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from analytics import counting
from tests.analytics.conftest import reader
from tests.blog.conftest import write

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def unsynced_views(tenant, field: str = "v") -> int:
    """The blog's count in Redis as it stands, without `counts_sync` (which writes the
    queue)."""
    today = timezone.now().astimezone(UTC).date()
    value = counting.redis_client().hget(counting.counts_key(today), f"{tenant.id}|{field}")
    return int(value or 0)


def test_a_queued_hit_reaches_redis_within_a_few_seconds_without_another_request(tenant):
    write(tenant, "Hello")
    client = reader(tenant)
    client.get("/hello/")  # a miss: counted after the response
    counting.counts_sync()
    assert unsynced_views(tenant) == 1
    hit = client.get("/hello/")
    assert hit["X-Cache"] == "hit" and hit.wsgi_request.reader_counted
    deadline = time.monotonic() + 3 * counting.QUEUE_SECONDS + 2
    while unsynced_views(tenant) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert unsynced_views(tenant) == 2  # the timer wrote it: no request, no sync


def test_a_hit_rides_the_next_lookup_and_counts_for_its_own_blog(tenant, other_tenant):
    post = write(tenant, "Hello")
    other = write(other_tenant, "Other")
    mine, theirs = reader(tenant), reader(other_tenant)
    mine.get("/hello/")
    theirs.get("/other/")
    counting.counts_sync()
    assert mine.get("/hello/")["X-Cache"] == "hit"
    assert theirs.get("/other/")["X-Cache"] == "hit"  # its lookup carries the first hit
    counting.counts_sync()
    assert (unsynced_views(tenant), unsynced_views(tenant, f"p|{post.id}")) == (2, 2)
    assert (unsynced_views(other_tenant), unsynced_views(other_tenant, f"p|{other.id}")) == (2, 2)


SCRIPT = """
import django, os
django.setup()
from analytics import counting
hit = counting.Hit(tenant_id=int(os.environ["TID"]), kind="view", ip="203.0.113.9",
                   user_agent=os.environ["UA"])
version, entry, counted = counting.lookup_and_record(
    hit, version_key=os.environ["VK"], page_key=os.environ["PK"])
assert counted, (version, entry)
print("queued", counting._queue.hits)
"""


def test_a_process_that_exits_right_after_a_hit_still_writes_it(tenant):
    """The exit handler writes the queue: a worker restarted by gunicorn's max_requests (or a
    deploy) loses no counts."""
    client = counting.redis_client()
    version_key, page_key = "quire:blog:exit-test:version", "quire:blog:exit-test:pg:x"
    client.set(version_key, b"42")
    client.set(page_key, b"42 200 h 7\n" + b"(page)")
    env = dict(os.environ) | {
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
        "REDIS_URL": settings.REDIS_URL,
        "TID": str(tenant.id),
        "UA": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36",
        "VK": version_key,
        "PK": page_key,
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "queued 1" in done.stdout  # still queued when the script ended
    assert (unsynced_views(tenant), unsynced_views(tenant, "p|7")) == (1, 1)


def test_a_queued_hit_gives_the_keys_their_expiry(tenant):
    """Counts left in Redis when the flush is not running still expire."""
    write(tenant, "Hello")
    client = reader(tenant)
    client.get("/hello/")
    counting.counts_sync()
    redis = counting.redis_client()
    today = timezone.now().astimezone(UTC).date()
    keys = [counting.counts_key(today), counting.unique_key(today, tenant.id)]
    for key in keys:
        redis.persist(key)
        assert redis.ttl(key) == -1
    assert client.get("/hello/").wsgi_request.reader_counted
    counting.counts_sync()
    assert redis.ttl(keys[0]) > counting.COUNTS_SECONDS - 60
    assert redis.ttl(keys[1]) > counting.UNIQUE_SECONDS - 60
