"""Writes succeed when the broker is down; the periodic sweep catches up later."""

import time

import pytest

from blog.models import Post
from config.celery import app
from tasks import search as search_tasks
from tenants.context import tenant_context


@pytest.fixture
def broker_down(monkeypatch):
    """Point Celery at a port where nothing listens (the network edge, not our code).
    Celery reads CELERY_BROKER_URL from the environment before its own settings."""
    original = app.conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.broker_url = original
    app._pool = None
    app.amqp._producer_pool = None


def test_saving_a_post_while_redis_is_down_succeeds_and_the_sweep_fixes_it(
    tenant, owner_client, broker_down, django_capture_on_commit_callbacks, caplog
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = owner_client.post(
            "/dashboard/posts/new/",
            {"title": "Written offline", "body": "pelicans", "action": "publish",
             "publish": ""},
        )  # fmt: skip
    assert response.status_code == 302
    assert time.monotonic() - started < 10  # no long hang on the dead broker
    assert callbacks, "the refresh was queued on commit"
    assert "could not queue tasks.search.post_search_vector_refresh" in caplog.text
    with tenant_context(tenant):
        post = Post.objects.get(title="Written offline")
        assert post.search_vector is None

    search_tasks.search_sweep_batch.apply(args=[[tenant.schema_name]])
    with tenant_context(tenant):
        assert "pelican" in Post.objects.get(id=post.id).search_vector
