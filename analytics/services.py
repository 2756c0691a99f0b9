"""Moving the day's counts from Redis into PostgreSQL (the periodic flush), and removing a
purged blog's rows.

The flush claims each day's counts hash by renaming it (a Lua script: rename + register the
batch, atomically), so requests start a fresh hash at once and two flushes never claim the
same counts. Each claimed batch is added in one transaction that first inserts the batch's
name into `FlushedBatch` (primary key): a second flush working on the same batch waits on that
row and then skips it, a flush killed before its commit leaves the batch to the next one, and a
flush killed after its commit leaves only the deletion from Redis to be done. So every count
is added exactly once, however many flushes run, and whenever one dies.
"""

import logging
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg2.extras import execute_values

from analytics import counting
from analytics.models import DailyBreakdown, DailyViews, FlushedBatch

logger = logging.getLogger(__name__)

BATCHES_KEY = f"{counting.PREFIX}:batches"
BATCH_SECONDS = 7 * 86400
LEDGER_DAYS = 8  # batches expire from Redis after 7 days; their names are kept one day more
DAYS_BACK = 2  # a flush claims today's counts and those of the two days before
TOP_KEYS = 100  # per blog, dimension and batch; the rest is summed under "(other)"
OTHER = "(other)"

_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], KEYS[2])
return 1
"""


def _batch_name(day: date, stamp: str) -> str:
    return f"{counting.PREFIX}:batch:{day.isoformat()}:{stamp}"


def _batch_day(name: str) -> date:
    return date.fromisoformat(name.split(":")[3])


def _claim(*, now: datetime) -> None:
    client = counting.redis_client()
    claim = client.register_script(_CLAIM)
    today = now.astimezone(UTC).date()
    stamp = uuid.uuid4().hex
    for back in range(DAYS_BACK + 1):
        day = today - timedelta(days=back)
        claim(keys=[counting.counts_key(day), _batch_name(day, stamp), BATCHES_KEY],
              args=[BATCH_SECONDS])  # fmt: skip


def _parse(raw: dict[bytes, bytes]) -> tuple[dict[int, dict[str, int]], dict[tuple, int]]:
    """{blog: {"v": n, "f": n}} and {(blog, dimension, key): n} from a counts hash."""
    totals: dict[int, dict[str, int]] = defaultdict(lambda: {"v": 0, "f": 0})
    detail: dict[tuple, int] = defaultdict(int)
    for field, value in raw.items():
        parts = field.decode().split("|", 2)
        if not parts[0].isdecimal():
            continue
        tid, count = int(parts[0]), int(value)
        if len(parts) == 2 and parts[1] in ("v", "f"):
            totals[tid][parts[1]] += count
        elif len(parts) == 3 and parts[1] in DailyBreakdown.Dimension.values:
            detail[(tid, parts[1], parts[2][:100])] += count
    return totals, _capped(detail)


def _capped(detail: dict[tuple, int]) -> dict[tuple, int]:
    """At most TOP_KEYS keys per blog and dimension: referrers come from the request, and a
    flood of made-up ones must not turn into millions of rows."""
    groups: dict[tuple, list[tuple[str, int]]] = defaultdict(list)
    for (tid, dim, key), count in detail.items():
        groups[(tid, dim)].append((key, count))
    out: dict[tuple, int] = {}
    for (tid, dim), items in groups.items():
        items.sort(key=lambda kv: -kv[1])
        for key, count in items[:TOP_KEYS]:
            out[(tid, dim, key)] = count
        rest = sum(count for _key, count in items[TOP_KEYS:])
        if rest:
            out[(tid, dim, OTHER)] = out.get((tid, dim, OTHER), 0) + rest
    return out


def _apply(*, day: date, totals: dict, detail: dict, visitors: dict[int, int]) -> None:
    daily = DailyViews._meta.db_table
    breakdown = DailyBreakdown._meta.db_table
    with connection.cursor() as cursor:
        if totals:
            execute_values(
                cursor,
                f"INSERT INTO {daily} (tenant_id, day, views, feed_fetches, visitors) "  # noqa: S608 (our table)
                f"VALUES %s ON CONFLICT (tenant_id, day) DO UPDATE SET "
                f"views = {daily}.views + EXCLUDED.views, "
                f"feed_fetches = {daily}.feed_fetches + EXCLUDED.feed_fetches, "
                f"visitors = GREATEST({daily}.visitors, EXCLUDED.visitors)",
                [(tid, day, t["v"], t["f"], visitors.get(tid, 0)) for tid, t in totals.items()],
            )
        if detail:
            execute_values(
                cursor,
                f"INSERT INTO {breakdown} (tenant_id, dimension, day, key, views) "  # noqa: S608
                f"VALUES %s ON CONFLICT (tenant_id, dimension, day, key) DO UPDATE SET "
                f"views = {breakdown}.views + EXCLUDED.views",
                [(tid, dim, day, key, n) for (tid, dim, key), n in detail.items()],
            )


def _flush_batch(name: str) -> bool:
    """Add one claimed batch to the tables once; True if this call added it."""
    client = counting.redis_client()
    raw = client.hgetall(name)
    day = _batch_day(name)
    applied = False
    if raw:
        totals, detail = _parse(raw)
        # Visitors: the day's sketch as it stands now (it holds every visitor of these views).
        pipe = client.pipeline(transaction=False)
        ids = [tid for tid, t in totals.items() if t["v"]]
        for tid in ids:
            pipe.pfcount(counting.unique_key(day, tid))
        visitors = dict(zip(ids, pipe.execute(), strict=True))
        try:
            with transaction.atomic():
                FlushedBatch.objects.create(name=name)
                _apply(day=day, totals=totals, detail=detail, visitors=visitors)
            applied = True
        except IntegrityError:
            logger.info("analytics: batch %s was already flushed", name)
    client.delete(name)
    client.srem(BATCHES_KEY, name)
    return applied


def analytics_flush(*, now: datetime | None = None) -> int:
    """Claim the recent days' counts and add every pending batch to PostgreSQL. Returns how
    many batches this call added. Safe to run concurrently and to run again."""
    now = now or timezone.now()
    counting.counts_sync()  # counts this process sent (tests, `manage.py shell`) are in
    _claim(now=now)
    client = counting.redis_client()
    flushed = 0
    for raw_name in sorted(client.smembers(BATCHES_KEY)):
        flushed += _flush_batch(raw_name.decode())
    FlushedBatch.objects.filter(flushed_at__lt=now - timedelta(days=LEDGER_DAYS)).delete()
    return flushed


def analytics_blog_delete(*, tenant_id: int) -> None:
    """A purged blog's figures (its Redis counts expire by themselves within a week)."""
    DailyViews.objects.filter(tenant_id=tenant_id).delete()
    DailyBreakdown.objects.filter(tenant_id=tenant_id).delete()
