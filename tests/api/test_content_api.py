"""Content API: published content only, the blog's key (or public), isolation between blogs."""

from datetime import datetime

import pytest
from django_tenants.utils import tenant_context

from api import services as api_services
from tests.api.conftest import content_key, make_post
from tests.conftest import host_client

pytestmark = pytest.mark.django_db
BASE = "/api/content/v1"


def test_posts_list_published_only_with_absolute_urls_and_iso_dates(tenant):
    make_post(tenant, title="Live one", tags="python, first steps", action="publish")
    make_post(tenant, title="A draft")
    make_post(tenant, title="About", kind="page", action="publish")
    key = content_key(tenant)
    response = host_client(tenant).get(f"{BASE}/posts/", {"key": key})
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "private, no-cache"
    data = response.json()
    assert [p["title"] for p in data["posts"]] == ["Live one"]
    post = data["posts"][0]
    assert post["url"] == "http://alpha.localhost/live-one/"
    assert datetime.fromisoformat(post["published_at"]).tzinfo is not None
    assert {"name": "first steps", "slug": "first-steps"}.items() <= post["tags"][1].items()
    assert "<em>text</em>" in post["html"]
    assert data["meta"]["next"] is None


def test_pagination_and_tag_filter(tenant):
    for n in range(3):
        make_post(tenant, title=f"P{n}", tags="odd" if n % 2 else "even", action="publish")
    client, key = host_client(tenant), content_key(tenant)
    first = client.get(f"{BASE}/posts/", {"key": key, "limit": 2}).json()
    assert [p["title"] for p in first["posts"]] == ["P2", "P1"]
    assert "page=2" in first["meta"]["next"]
    second = client.get(first["meta"]["next"].split("localhost", 1)[1]).json()
    assert [p["title"] for p in second["posts"]] == ["P0"]
    assert second["meta"]["next"] is None and second["meta"]["prev"]
    tagged = client.get(f"{BASE}/posts/", {"key": key, "tag": "even"}).json()
    assert [p["title"] for p in tagged["posts"]] == ["P2", "P0"]


def test_post_by_slug_pages_tags_settings(tenant):
    make_post(tenant, title="Hello world", tags="news", action="publish")
    make_post(tenant, title="Hidden", tags="secret")
    make_post(tenant, title="About", kind="page", action="publish")
    client, key = host_client(tenant), content_key(tenant)
    headers = {"HTTP_X_CONTENT_KEY": key}
    assert client.get(f"{BASE}/posts/slug/hello-world/", **headers).json()["title"] == "Hello world"
    assert client.get(f"{BASE}/posts/slug/hidden/", **headers).status_code == 404
    assert client.get(f"{BASE}/posts/slug/about/", **headers).status_code == 404  # a page
    assert client.get(f"{BASE}/pages/slug/about/", **headers).json()["url"].endswith("/about/")
    assert [p["title"] for p in client.get(f"{BASE}/pages/", **headers).json()["posts"]] == [
        "About"
    ]
    tags = client.get(f"{BASE}/tags/", **headers).json()["tags"]
    assert [(t["name"], t["count"]) for t in tags] == [("news", 1)]  # not the draft's tag
    settings = client.get(f"{BASE}/settings/", **headers).json()
    assert settings["title"] == "Alpha" and settings["url"] == "http://alpha.localhost/"


def test_key_required_unless_public(tenant):
    make_post(tenant, title="Live", action="publish")
    client = host_client(tenant)
    for query in ({}, {"key": "wrong"}):
        response = client.get(f"{BASE}/posts/", query)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    with tenant_context(tenant):
        api_services.content_api_public_set(public=True)
    assert client.get(f"{BASE}/posts/").status_code == 200


def test_key_of_one_blog_does_not_open_another(tenant, other_tenant):
    make_post(other_tenant, title="Bravo's", action="publish")
    response = host_client(other_tenant).get(f"{BASE}/posts/", {"key": content_key(tenant)})
    assert response.status_code == 401
    # and a blog's own key shows only its own posts
    make_post(tenant, title="Alpha's", action="publish")
    data = host_client(tenant).get(f"{BASE}/posts/", {"key": content_key(tenant)}).json()
    assert [p["title"] for p in data["posts"]] == ["Alpha's"]
    slug = host_client(tenant).get(f"{BASE}/posts/slug/bravos/", {"key": content_key(tenant)})
    assert slug.status_code == 404


def test_rotated_key_stops_working_at_once(tenant):
    client, old = host_client(tenant), content_key(tenant)
    assert client.get(f"{BASE}/tags/", {"key": old}).status_code == 200
    with tenant_context(tenant):
        api_services.content_key_rotate()
    assert client.get(f"{BASE}/tags/", {"key": old}).status_code == 401
    assert client.get(f"{BASE}/tags/", {"key": content_key(tenant)}).status_code == 200


@pytest.mark.parametrize(
    "query,field",
    [({"limit": 0}, "limit"), ({"limit": "x"}, "limit"), ({"page": -1}, "page")],
)
def test_bad_input_is_400_with_field(tenant, query, field):
    response = host_client(tenant).get(f"{BASE}/posts/", {"key": content_key(tenant), **query})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["field"] == field and error["message"]


def test_unpublishing_shows_at_once(tenant):
    post = make_post(tenant, title="Soon gone", action="publish")
    client, key = host_client(tenant), content_key(tenant)
    assert len(client.get(f"{BASE}/posts/", {"key": key}).json()["posts"]) == 1
    from blog.services.posts import post_update

    with tenant_context(tenant):
        post_update(tenant=tenant, post=post, title=post.title, body=post.body, action="unpublish")
    assert client.get(f"{BASE}/posts/", {"key": key}).json()["posts"] == []


def test_rate_limited_per_ip_with_retry_after(tenant, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "api_content": "2/m/ip"}
    client, key = host_client(tenant), content_key(tenant)
    assert client.get(f"{BASE}/tags/", {"key": key}).status_code == 200
    assert client.get(f"{BASE}/tags/", {"key": key}).status_code == 200
    response = client.get(f"{BASE}/tags/", {"key": key})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["error"]["code"] == "rate_limited"


def test_openapi_schema_and_docs(tenant):
    client = host_client(tenant)
    schema = client.get(f"{BASE}/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert "/api/content/v1/posts/" in schema.json()["paths"]
    assert client.get(f"{BASE}/docs").status_code == 200


def test_unknown_host_is_404():
    assert host_client("nowhere.localhost").get(f"{BASE}/posts/").status_code == 404


def test_nul_in_slug_or_tag_is_not_a_500(tenant):
    """Found by schemathesis: PostgreSQL refuses NUL in a string literal."""
    client, key = host_client(tenant), content_key(tenant)
    assert client.get(f"{BASE}/posts/slug/a%00b/", {"key": key}).status_code == 404
    response = client.get(f"{BASE}/posts/", {"key": key, "tag": "a\x00b"})
    assert response.status_code == 400 and response.json()["error"]["field"] == "tag"
