"""lib/redis_wire.py: the reader fast path's Redis round trip, against the real Redis."""

import redis
from django.conf import settings

from lib import redis_wire


def test_a_connection_redis_dropped_is_replaced_and_the_call_still_answers():
    """A Redis restart (here: Redis closing this connection) costs no page: the call is
    tried again on a fresh connection."""
    line = redis_wire.Wire(settings.REDIS_URL)
    first_id = line.call(redis_wire.pack(b"CLIENT", b"ID"))
    assert len(line.idle) == 1
    redis.Redis.from_url(settings.REDIS_URL).client_kill_filter(_id=first_id)
    assert line.call(redis_wire.pack(b"PING")) == b"PONG"
    assert line.call(redis_wire.pack(b"CLIENT", b"ID")) != first_id


def test_skipped_commands_send_no_reply_and_an_error_reply_is_raised():
    line = redis_wire.Wire(settings.REDIS_URL)
    key = b"quire:test:wire"
    skipped = redis_wire.pack(b"CLIENT", b"REPLY", b"SKIP") + redis_wire.pack(b"SET", key, b"1")
    assert line.call(skipped + redis_wire.pack(b"GET", key)) == b"1"
    try:
        line.call(redis_wire.pack(b"NOSUCHCOMMAND"))
    except redis.ResponseError as exc:
        assert "unknown command" in str(exc).lower()
    else:
        raise AssertionError("an error reply must raise")
    assert line.call(redis_wire.pack(b"GET", key)) == b"1"  # the connection is still in step
    line.call(redis_wire.pack(b"DEL", key))
