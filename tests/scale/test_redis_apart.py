"""Cache and broker on two Redis instances: REDIS_URL is the
page/routing cache (evictable), CELERY_BROKER_URL the broker (must keep its messages). Each
instance holds only its own keys, and emptying the cache loses no queued task."""

import re

import pytest
import redis

from blog.models import Post
from tenants.context import tenant_context
from tests.scale.servers import redis_instance, run_django
from tests.tasks.conftest import start_worker, wait_for

# What kombu's Redis transport keeps: one list per queue, its own `_kombu.*` bookkeeping
# (bindings, deadlines), the unacked messages.
BROKER_KEY = re.compile(
    r"^(_kombu\..+|unacked(_index|_mutex)?|"
    r"(default|search|migrations|provisioning|media|imports|domains|webhooks|newsletters)"
    r"(\x06\x16\d)?)$"
)

# A web host's view: publish a post (its search vector is queued after commit) and read the
# blog's home page twice (the second answer comes from the page cache).
WEB = """
import sys
from django.test import Client
from django.contrib.auth import get_user_model
from tenants.models import Tenant
from lib.urls import blog_host
from tests.blog.conftest import write
blog = Tenant.objects.get(schema_name=sys.argv[1])
post = write(blog, "Apart", author=get_user_model().objects.get(pk=sys.argv[2]))
reader = Client(HTTP_HOST=blog_host(blog.subdomain))
print(post.pk, reader.get("/")["X-Cache"], reader.get("/")["X-Cache"])
"""


def keys(url: str) -> set[str]:
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        return set(client.keys("*"))
    finally:
        client.close()


@pytest.mark.slow
def test_cache_and_broker_on_separate_instances(transactional_db, make_blog, tmp_path):
    blog = make_blog("apart")
    cache_args = ("--maxmemory", "32mb", "--maxmemory-policy", "allkeys-lru")
    broker_args = ("--maxmemory-policy", "noeviction", "--appendonly", "yes")
    with (
        redis_instance(tmp_path / "cache", *cache_args) as cache_url,
        redis_instance(tmp_path / "broker", *broker_args) as broker_url,
    ):
        env = {"REDIS_URL": cache_url, "CELERY_BROKER_URL": broker_url}
        post_id, miss, hit = run_django(WEB, blog.schema_name, str(blog.owner.pk), **env).split()
        assert (miss, hit) == ("miss", "hit")

        in_cache, in_broker = keys(cache_url), keys(broker_url)
        assert any(key.startswith(f"quire:blog:{blog.schema_name}:pg:") for key in in_cache)
        assert not [key for key in in_cache if BROKER_KEY.match(key)], in_cache
        assert in_broker and all(BROKER_KEY.match(key) for key in in_broker), in_broker
        broker = redis.Redis.from_url(broker_url)
        assert broker.llen("search") == 1  # the post's search vector, waiting for a worker

        # The cache instance is emptied (a restart, an eviction storm): no task is lost.
        redis.Redis.from_url(cache_url).flushall()
        assert keys(cache_url) == set()
        assert broker.llen("search") == 1

        worker = start_worker(tmp_path / "worker.log", queues="search", **env)
        try:

            def indexed():
                with tenant_context(blog):
                    return Post.objects.filter(pk=post_id, search_vector__isnull=False).exists()

            wait_for(indexed, log=worker.log)
            wait_for(lambda: broker.llen("search") == 0, log=worker.log)
        finally:
            worker.stop()
        # The worker, too, put nothing of the broker's into the cache and nothing else into
        # the broker.
        assert not [key for key in keys(cache_url) if BROKER_KEY.match(key)]
        assert all(BROKER_KEY.match(key) for key in keys(broker_url)), keys(broker_url)
        broker.close()
