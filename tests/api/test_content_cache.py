"""Content API answers through the blog's cache: the key is checked on hits too, a change
retires them at once, ETag/304, and Cache-Control by whether the key is needed."""

import pytest
from django_tenants.utils import tenant_context

from api import services as api_services
from blog.services.posts import post_update
from tests.api.conftest import content_key, make_post
from tests.conftest import host_client

pytestmark = pytest.mark.django_db
BASE = "/api/content/v1"
ENDPOINTS = ["/posts/", "/posts/slug/live/", "/pages/", "/tags/", "/settings/"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_cached_answer_still_needs_the_key(tenant, path, django_assert_num_queries):
    make_post(tenant, title="Live", tags="news", action="publish")
    client, key = host_client(tenant), content_key(tenant)
    first = client.get(BASE + path, {"key": key})
    assert (first.status_code, first["X-Cache"]) == (200, "miss")
    with django_assert_num_queries(0):  # routing, the key and the answer all come from Redis
        hit = client.get(BASE + path, {"key": key})
    assert (hit.status_code, hit["X-Cache"]) == (200, "hit")
    assert hit.content == first.content and hit["ETag"] == first["ETag"]
    for bad in ({"key": "wrong"}, {}, {"key": key + "x"}):
        refused = client.get(BASE + path, bad)
        assert refused.status_code == 401, bad
        assert refused.json()["error"]["code"] == "unauthorized"
    assert client.get(BASE + path, HTTP_X_CONTENT_KEY="wrong").status_code == 401


def test_a_change_retires_cached_answers_at_once(tenant):
    post = make_post(tenant, title="Live", action="publish")
    client, key = host_client(tenant), content_key(tenant)
    for path in ("/posts/", "/posts/slug/live/"):
        client.get(BASE + path, {"key": key})
        assert client.get(BASE + path, {"key": key})["X-Cache"] == "hit"
    with tenant_context(tenant):
        post_update(tenant=tenant, post=post, title="Live", body="x", action="unpublish")
    assert client.get(BASE + "/posts/", {"key": key}).json()["posts"] == []
    assert client.get(BASE + "/posts/slug/live/", {"key": key}).status_code == 404


def test_etag_revalidation_gets_304(tenant):
    make_post(tenant, title="Live", action="publish")
    client, key = host_client(tenant), content_key(tenant)
    first = client.get(BASE + "/posts/", {"key": key})
    for _ in range(2):  # a miss and a hit answer the same
        again = client.get(BASE + "/posts/", {"key": key}, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and again.content == b""
    refused = client.get(BASE + "/posts/", {"key": "nope"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert refused.status_code == 401  # not a 304 for a wrong key either


def test_private_unless_public_then_shareable_and_purged(tenant):
    make_post(tenant, title="Live", action="publish")
    client, key = host_client(tenant), content_key(tenant)
    private = client.get(BASE + "/posts/", {"key": key})
    assert private["Cache-Control"] == "private, no-cache" and "xkey" not in private
    with tenant_context(tenant):
        api_services.content_api_public_set(public=True)
    public = client.get(BASE + "/posts/")
    assert public["Cache-Control"] == "public, max-age=60, s-maxage=600"
    assert public["xkey"] == f"blog-{tenant.schema_name}"
    with tenant_context(tenant):
        api_services.content_api_public_set(public=False)
    assert client.get(BASE + "/posts/").status_code == 401


def test_links_of_a_cached_answer_carry_the_current_key(tenant):
    for n in range(3):
        make_post(tenant, title=f"P{n}", action="publish")
    client, old = host_client(tenant), content_key(tenant)
    assert (
        f"key={old}"
        in client.get(BASE + "/posts/", {"key": old, "limit": 1}).json()["meta"]["next"]
    )
    with tenant_context(tenant):
        api_services.content_key_rotate()
    new = content_key(tenant)
    assert client.get(BASE + "/posts/", {"key": old, "limit": 1}).status_code == 401
    answer = client.get(BASE + "/posts/", {"key": new, "limit": 1}).json()
    assert f"key={new}" in answer["meta"]["next"] and old not in answer["meta"]["next"]
    by_header = client.get(BASE + "/posts/", {"limit": 1}, HTTP_X_CONTENT_KEY=new).json()
    assert "key=" not in by_header["meta"]["next"]  # not the query-key answer from the cache


def test_other_query_parameters_are_answered_fresh_and_not_stored(tenant):
    client, key = host_client(tenant), content_key(tenant)
    for _ in range(2):
        response = client.get(BASE + "/tags/", {"key": key, "cb": "1"})
        assert response.status_code == 200 and "X-Cache" not in response
