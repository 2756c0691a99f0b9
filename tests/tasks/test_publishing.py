"""Scheduled publishing: due posts go live, once, and only due blogs are opened."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from blog.models import Post
from tasks import publishing
from tenants import services as tenant_services
from tenants.context import tenant_context
from tenants.models import PublishSchedule
from tests.factories import UserFactory
from tests.tasks.conftest import wait_for


def scheduled(tenant, title, when):
    with tenant_context(tenant):
        return Post.objects.create(
            title=title, slug=title.lower().replace(" ", "-"), status="scheduled",
            published_at=when,
        )  # fmt: skip


def status_of(tenant, post):
    with tenant_context(tenant):
        return Post.objects.values_list("status", flat=True).get(id=post.id)


def test_due_posts_are_published_once_and_the_next_due_time_kept(tenant):
    now = timezone.now()
    due = scheduled(tenant, "Due now", now - timedelta(seconds=5))
    later = scheduled(tenant, "Tomorrow", now + timedelta(days=1))
    tenant_services.publish_schedule_note(tenant_id=tenant.id, due_at=due.published_at)
    tenant_services.publish_schedule_note(tenant_id=tenant.id, due_at=later.published_at)
    assert PublishSchedule.objects.get(tenant=tenant).next_due_at == due.published_at

    assert publishing.publish_due_batch.apply(args=[[tenant.schema_name]]).get() == 1
    assert status_of(tenant, due) == "published"
    assert status_of(tenant, later) == "scheduled"
    assert PublishSchedule.objects.get(tenant=tenant).next_due_at == later.published_at

    assert publishing.publish_due_batch.apply(args=[[tenant.schema_name]]).get() == 0
    with tenant_context(tenant):
        assert Post.objects.get(id=due.id).published_at == due.published_at


def test_only_blogs_with_something_due_are_opened(tenant, other_tenant):
    now = timezone.now()
    mine = scheduled(tenant, "Mine", now - timedelta(minutes=1))
    # The other blog has a due post but no schedule entry: the publisher must not open it.
    theirs = scheduled(other_tenant, "Theirs", now - timedelta(minutes=1))
    tenant_services.publish_schedule_note(tenant_id=tenant.id, due_at=mine.published_at)
    batches = list(publishing.tenant_selectors.due_schema_batches(now=now, size=100))
    assert batches == [[tenant.schema_name]]
    publishing.publish_due_batch.apply(args=batches)
    assert status_of(tenant, mine) == "published"
    assert status_of(other_tenant, theirs) == "scheduled"
    assert not PublishSchedule.objects.filter(tenant=tenant).exists()  # nothing left


@pytest.mark.django_db(transaction=True)
def test_the_periodic_dispatcher_publishes_through_a_real_worker(celery_worker_process):
    _proc, log = celery_worker_process
    blog = tenant_services.tenant_provision(subdomain="sched", name="S", owner=UserFactory())
    post = scheduled(blog, "Go live", timezone.now() - timedelta(seconds=1))
    tenant_services.publish_schedule_note(tenant_id=blog.id, due_at=post.published_at)
    connection.set_schema_to_public()
    publishing.publish_due_dispatch.delay()
    wait_for(lambda: status_of(blog, post) == "published", log=log)
