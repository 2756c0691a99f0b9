"""The flush from Redis into PostgreSQL: every count added exactly once, whether it runs
twice at once, again after a crash, or again after it already succeeded."""

import threading
from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from analytics import counting, services
from analytics.models import DailyBreakdown, DailyViews, FlushedBatch
from tests.analytics.conftest import PHONE, reader
from tests.blog.conftest import write


def hit(tenant, n: int, *, day=None, post_id=None, referrer=""):
    now = timezone.now() if day is None else day
    for i in range(n):
        counting.hit_record(
            counting.Hit(
                tenant_id=tenant.id, kind=counting.VIEW, ip=f"192.0.2.{i % 200}",
                user_agent=PHONE, post_id=post_id, referrer=referrer,
            ),
            now=now,
        )  # fmt: skip
    # Sent without waiting for Redis (counting._Sender): applied before the test claims them.
    counting.counts_sync()


@pytest.mark.django_db
def test_flush_adds_counts_visitors_and_breakdowns_once(tenant):
    hit(tenant, 5, post_id=7, referrer="example.org")
    assert services.analytics_flush() == 1
    hit(tenant, 2, post_id=7)
    assert services.analytics_flush() == 1
    assert services.analytics_flush() == 0  # nothing new: nothing added
    row = DailyViews.objects.get(tenant_id=tenant.id)
    assert (row.views, row.visitors, row.feed_fetches) == (7, 5, 0)
    detail = dict(
        DailyBreakdown.objects.filter(tenant_id=tenant.id).values_list("dimension", "views")
    )
    assert detail == {"p": 7, "r": 5, "d": 7}
    assert not counting.redis_client().exists(services.BATCHES_KEY)


@pytest.mark.django_db
def test_a_crashed_flush_is_finished_by_the_next_and_a_flushed_batch_never_twice(tenant):
    hit(tenant, 4)
    services._claim(now=timezone.now())  # claimed, then the worker died before adding it
    [name] = [n.decode() for n in counting.redis_client().smembers(services.BATCHES_KEY)]
    hit(tenant, 1)
    assert services.analytics_flush() == 2
    assert DailyViews.objects.get(tenant_id=tenant.id).views == 5
    # Added and committed, but killed before deleting it from Redis: not added again.
    hit(tenant, 3)
    services._claim(now=timezone.now())
    [name] = [n.decode() for n in counting.redis_client().smembers(services.BATCHES_KEY)]
    FlushedBatch.objects.create(name=name)  # as if its transaction had committed
    assert services.analytics_flush() == 0
    assert DailyViews.objects.get(tenant_id=tenant.id).views == 5
    assert not counting.redis_client().exists(name)


@pytest.mark.django_db
def test_late_counts_of_past_days_go_to_their_day(tenant):
    yesterday = timezone.now().astimezone(UTC) - timedelta(days=1)
    hit(tenant, 2, day=yesterday)
    hit(tenant, 1)
    services.analytics_flush()
    days = dict(DailyViews.objects.filter(tenant_id=tenant.id).values_list("day", "views"))
    assert days == {yesterday.date(): 2, timezone.now().astimezone(UTC).date(): 1}


@pytest.mark.django_db
def test_made_up_referrers_are_capped_per_blog(tenant):
    for i in range(services.TOP_KEYS + 20):
        hit(tenant, 1, referrer=f"spam{i}.example")
    hit(tenant, 3, referrer="real.example")
    services.analytics_flush()
    rows = DailyBreakdown.objects.filter(tenant_id=tenant.id, dimension="r")
    assert rows.count() == services.TOP_KEYS + 1
    assert rows.get(key="real.example").views == 3
    assert sum(r.views for r in rows) == services.TOP_KEYS + 23


@pytest.mark.django_db(transaction=True)
def test_two_flushes_at_once_add_every_count_exactly_once(make_blog):
    alpha, bravo = make_blog("alpha"), make_blog("bravo")
    write(alpha, "Hello")
    total = 0
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def flush():
        try:
            barrier.wait()
            services.analytics_flush()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    for round_ in range(5):
        hit(alpha, 3 + round_)
        hit(bravo, 2)
        total += 3 + round_
        threads = [threading.Thread(target=flush) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for client in (reader(alpha),):
            client.get("/hello/")
        total += 1
    services.analytics_flush()
    assert errors == []
    views = dict(DailyViews.objects.values_list("tenant_id", "views"))
    assert views == {alpha.id: total, bravo.id: 10}


@pytest.mark.django_db
def test_purging_a_blog_removes_its_figures_and_only_its(tenant, other_tenant, settings):
    from tenants import lifecycle
    from tenants.models import Tenant

    hit(tenant, 2, post_id=1)
    hit(other_tenant, 3, post_id=1)
    services.analytics_flush()
    Tenant.objects.filter(pk=tenant.pk).update(
        status="deleted", deleted_at=timezone.now() - timedelta(days=31)
    )
    settings.TENANT_DELETE_GRACE_DAYS = 30
    connection.set_schema_to_public()
    assert lifecycle.tenants_purge() == 1
    assert not DailyViews.objects.filter(tenant_id=tenant.id).exists()
    assert not DailyBreakdown.objects.filter(tenant_id=tenant.id).exists()
    assert DailyViews.objects.get(tenant_id=other_tenant.id).views == 3
