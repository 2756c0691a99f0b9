"""The platform's daily comment counts per blog, for the staff console: two Redis hashes a
day (`quire:comments:stats:<day>`, fields `<tenant id>:all` and `<tenant id>:spam`), kept
for 35 days. Counting never fails a comment."""

import logging
from datetime import date, timedelta

import redis
from django.utils import timezone

from blog.cache import redis_client

logger = logging.getLogger(__name__)
_KEY = "quire:comments:stats:{day}"
KEEP_DAYS = 35


def _count(*, tenant_id: int, fields: list[str]) -> None:
    key = _KEY.format(day=timezone.now().date().isoformat())
    try:
        pipe = redis_client().pipeline(transaction=False)
        for field in fields:
            pipe.hincrby(key, f"{tenant_id}:{field}", 1)
        pipe.expire(key, KEEP_DAYS * 86_400)
        pipe.execute()
    except redis.RedisError:
        logger.warning("comment counts unreachable: a comment of blog %s not counted", tenant_id)


def comment_counted(*, tenant_id: int, spam: bool) -> None:
    _count(tenant_id=tenant_id, fields=["all", "spam"] if spam else ["all"])


def spam_marked(*, tenant_id: int) -> None:
    _count(tenant_id=tenant_id, fields=["spam"])


def comment_volume(*, days: int = 30, today: date | None = None) -> dict[int, dict[str, int]]:
    """{tenant id: {"all": comments, "spam": marked spam}} over the last `days` days."""
    today = today or timezone.now().date()
    keys = [_KEY.format(day=(today - timedelta(days=n)).isoformat()) for n in range(days)]
    totals: dict[int, dict[str, int]] = {}
    try:
        pipe = redis_client().pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(key)
        for day in pipe.execute():
            for field, value in day.items():
                tenant, _, kind = field.decode().partition(":")
                entry = totals.setdefault(int(tenant), {"all": 0, "spam": 0})
                entry[kind] = entry.get(kind, 0) + int(value)
    except redis.RedisError:
        logger.warning("comment counts unreachable")
    return totals
