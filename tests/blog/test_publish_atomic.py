"""A post save and the publisher's schedule (public schema) commit or fail together, and the
plan's publish limit holds when two publishes race (real connections, real commits)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from blog import services
from blog.models import Post
from shared.billing.exceptions import LimitReached
from tenants.context import tenant_context
from tenants.models import PublishSchedule
from tests.support.plans import FREE_POSTS, fill_to_the_limit

_REFUSE_SCHEDULE = """
CREATE FUNCTION public.quire_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'schedule write refused'; END $$;
CREATE TRIGGER quire_test_refuse BEFORE INSERT OR UPDATE ON public.tenants_publishschedule
FOR EACH ROW EXECUTE FUNCTION public.quire_test_refuse();
"""
_ALLOW_SCHEDULE = """
DROP TRIGGER IF EXISTS quire_test_refuse ON public.tenants_publishschedule;
DROP FUNCTION IF EXISTS public.quire_test_refuse();
"""


@pytest.fixture
def refused_schedule_writes(transactional_db):
    """PostgreSQL itself refuses writes to the publisher's schedule (a trigger)."""
    with connection.cursor() as cursor:
        cursor.execute(_REFUSE_SCHEDULE)
    yield
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(_ALLOW_SCHEDULE)


def test_a_failed_schedule_write_rolls_the_post_back(make_blog, refused_schedule_writes):
    tenant = make_blog("alpha")
    later = timezone.now() + timedelta(hours=2)
    with tenant_context(tenant):
        draft = services.post_create(tenant=tenant, author=tenant.owner, title="Draft", body="x")
        with pytest.raises(DatabaseError, match="schedule write refused"):
            services.post_create(
                tenant=tenant,
                author=tenant.owner,
                title="Later",
                body="x",
                action="schedule",
                publish_at=later,
            )
        assert not Post.objects.filter(title="Later").exists()  # committed with nothing
        with pytest.raises(DatabaseError, match="schedule write refused"):
            services.post_update(
                tenant=tenant,
                post=draft,
                title="Draft, renamed",
                body="y",
                action="schedule",
                publish_at=later,
            )
        kept = Post.objects.get(id=draft.id)
        assert (kept.title, kept.status, kept.body) == ("Draft", "draft", "x")
    assert not PublishSchedule.objects.exists()


def _waiting_for_the_blogs_publish_lock(tenant) -> bool:
    """Some connection waits for an advisory lock on this blog (two-key: classid, objid)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND objid = %s AND database = (SELECT oid FROM pg_database"
            " WHERE datname = current_database())",
            [tenant.id],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_publishes_cannot_both_take_the_last_free_slot(make_blog):
    tenant, other = make_blog("alpha"), make_blog("bravo")
    fill_to_the_limit(tenant, FREE_POSTS - 1)  # room for exactly one more
    first_saved, let_first_commit = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def publish(name: str, *, hold: bool) -> None:
        try:
            with tenant_context(tenant), transaction.atomic():
                services.post_create(
                    tenant=tenant, author=tenant.owner, title=name, body="x", action="publish"
                )
                if hold:  # saved, not committed yet: the other publish runs now
                    first_saved.set()
                    let_first_commit.wait(20)
            outcomes[name] = "published"
        except LimitReached:
            outcomes[name] = "limit"
        except Exception as exc:  # any other outcome fails the test below
            outcomes[name] = f"error: {exc!r}"
        finally:
            first_saved.set()
            connections.close_all()

    first = threading.Thread(target=publish, args=("First",), kwargs={"hold": True})
    first.start()
    assert first_saved.wait(20)
    second = threading.Thread(target=publish, args=("Second",), kwargs={"hold": False})
    second.start()
    deadline = time.monotonic() + 20
    while second.is_alive() and not _waiting_for_the_blogs_publish_lock(tenant):
        assert time.monotonic() < deadline, "the second publish neither waited nor finished"
        time.sleep(0.02)

    # Meanwhile another blog publishes without waiting for this blog's lock.
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '2s'")
    with tenant_context(other):
        services.post_create(
            tenant=other, author=other.owner, title="Elsewhere", body="x", action="publish"
        )

    let_first_commit.set()
    first.join(20)
    second.join(20)
    assert outcomes == {"First": "published", "Second": "limit"}
    with tenant_context(tenant):
        assert Post.objects.filter(status="published").count() == FREE_POSTS
