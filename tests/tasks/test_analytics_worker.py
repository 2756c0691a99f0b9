"""The analytics flush through a real Celery worker, and its place in the beat schedule."""

import pytest
from django.conf import settings

from analytics import counting
from analytics.models import DailyViews
from tests.analytics.conftest import reader
from tests.blog.conftest import write
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_periodic_flush_moves_counts_into_the_daily_table(celery_worker_process, make_blog):
    from tasks import analytics as analytics_tasks

    _proc, log = celery_worker_process
    alpha, bravo = make_blog("alpha"), make_blog("bravo")
    write(alpha, "Hello")
    for _ in range(3):
        reader(alpha).get("/hello/")
    reader(bravo).get("/")
    counting.counts_sync()  # sent without waiting for Redis: applied before the worker looks
    analytics_tasks.analytics_flush.delay()
    analytics_tasks.analytics_flush.delay()  # twice: nothing is added twice

    def views():
        return dict(DailyViews.objects.values_list("tenant_id", "views"))

    wait_for(lambda: views() == {alpha.id: 3, bravo.id: 1}, log=log)
    reader(alpha).get("/")
    counting.counts_sync()
    analytics_tasks.analytics_flush.delay()
    wait_for(lambda: views() == {alpha.id: 4, bravo.id: 1}, log=log)
    assert DailyViews.objects.get(tenant_id=alpha.id).visitors == 1


def test_the_flush_is_in_the_beat_schedule():
    from config.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["analytics-flush"]
    assert entry["task"] == "tasks.analytics.analytics_flush" and entry["task"] in app.tasks
