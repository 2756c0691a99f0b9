"""The comment thread of a post, cached apart from the post's page.

A post's page stays cached (Redis and the front cache) whatever happens under it: the thread
is a fragment of its own, `/comments/<post id>/`, fetched by the page. It is cached in Redis
under the blog's page-cache version and the post's own comment version, read together in one
`MGET` (no SQL on a hit), and in the front cache under the surrogate keys `blog-<schema>` and
`comments-<schema>-<post id>`. A comment approved, edited or deleted bumps the post's comment
version and purges that one key after commit: the post's page, every other post and every
other thread stay cached.
"""

import logging
import time

import redis
from django.db import connection, transaction

from blog.cache import blog_key, redis_client, version_key
from blog.purge import purge

logger = logging.getLogger(__name__)
THREAD_SECONDS = 600
_THREAD_VERSION = "quire:comments:{schema}:{post}:v"
_THREAD = "quire:comments:{schema}:{post}:html"


def thread_key(schema: str, post_id: int) -> str:
    """The surrogate key of one post's comment fragment."""
    return f"comments-{schema}-{post_id}"


def thread_surrogate_keys(schema: str, post_id: int) -> str:
    return f"{blog_key(schema)} {thread_key(schema, post_id)}"


def thread_cached(*, post_id: int) -> tuple[bytes | None, bytes]:
    """(the cached fragment or None, the version a fresh render is to be stored under)."""
    schema = connection.schema_name
    keys = [
        version_key(schema),
        _THREAD_VERSION.format(schema=schema, post=post_id),
        _THREAD.format(schema=schema, post=post_id),
    ]
    try:
        blog_version, thread_version, entry = redis_client().mget(keys)
    except redis.RedisError:
        return None, b""
    version = b"%s.%s" % (blog_version or b"0", thread_version or b"0")
    if entry is not None:
        head, _, html = entry.partition(b"\n")
        if head == version:
            return html, version
    return None, version


def thread_store(*, post_id: int, version: bytes, html: bytes) -> None:
    if not version:
        return
    key = _THREAD.format(schema=connection.schema_name, post=post_id)
    try:
        redis_client().set(key, version + b"\n" + html, ex=THREAD_SECONDS)
    except redis.RedisError:
        logger.warning("comment cache unreachable: thread of post %s not stored", post_id)


def thread_changed(*, post_id: int) -> None:
    """Retire a post's cached thread: now, and again with the front-cache purge after commit
    (a reader who rendered the old rows in between stored them under the first new version)."""
    schema = connection.schema_name
    key = _THREAD_VERSION.format(schema=schema, post=post_id)

    def bump() -> None:
        try:
            if not redis_client().set(key, time.time_ns(), nx=True, ex=86_400 * 30):
                redis_client().incr(key)
        except redis.RedisError:
            logger.warning("comment cache unreachable: thread of post %s not retired", post_id)

    bump()
    transaction.on_commit(bump)
    transaction.on_commit(lambda: purge(keys=[thread_key(schema, post_id)]))
