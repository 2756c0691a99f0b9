"""A worker killed in the middle of an acks_late task: the task is delivered again and done."""

import pytest
from django.core.cache import cache
from django.db import connection

from blog.models import Post
from tasks import search as search_tasks
from tenants import services as tenant_services
from tenants.context import tenant_context
from tests.factories import UserFactory
from tests.tasks.conftest import start_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

POSTS = 20_000
FAST_REDELIVERY = {
    "CELERY_VISIBILITY_TIMEOUT": "2",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
}


@pytest.mark.slow
def test_killed_worker_leaves_the_rebuild_to_be_redelivered_and_completed(tmp_path):
    blog = tenant_services.tenant_provision(subdomain="crash", name="C", owner=UserFactory())
    body = "lorem ipsum dolor sit amet " * 40
    with tenant_context(blog):
        Post.objects.bulk_create(
            (
                Post(title=f"Post number {i}", slug=f"post-{i}", body=f"{body}{i}",
                     tags=[f"tag{i % 7}"], status="published")
                for i in range(POSTS)
            ),
            batch_size=2000,
        )  # fmt: skip
    connection.set_schema_to_public()
    checkpoint = f"search:rebuild:{blog.schema_name}:english"
    log = tmp_path / "worker.log"

    first = start_worker(log, queues="crashtest", **FAST_REDELIVERY)
    with tenant_context(blog):
        search_tasks.search_rebuild_tenant.apply_async(queue="crashtest")
    wait_for(lambda: cache.get(checkpoint), timeout=60, log=log)  # it is half-way
    first.kill()

    def filled() -> int:
        with tenant_context(blog):
            return Post.objects.filter(search_vector__isnull=False).count()

    halfway = filled()
    assert 0 < halfway < POSTS

    second = start_worker(log, queues="crashtest", **FAST_REDELIVERY)
    try:
        wait_for(lambda: filled() == POSTS, timeout=120, log=log)
        wait_for(lambda: cache.get(checkpoint) is None, timeout=10, log=log)
    finally:
        second.stop()
    assert log.read_text().count("search_rebuild_tenant") >= 2  # received twice
