"""Nothing of blog A shows up on blog B, on every reader and dashboard page."""

import pytest

from tests.blog.conftest import login, write
from tests.conftest import host_client

SECRET = b"zqhidden"  # in A's titles and settings; paths use other words
READER_PATHS = ["/", "/archive/", "/feed/", "/rss/", "/sitemap.xml", "/robots.txt",
                "/tag/alpha-secret-tag/", "/tag/alpha-secret-tag/feed/",
                "/alpha-secret-post/", "/alpha-secret-page/", "/alpha-secret-old/"]  # fmt: skip


@pytest.fixture
def alpha_content(tenant, owner_client):
    post = write(tenant, "zqhidden post", tags="alpha-secret-tag", slug="alpha-secret-old")
    owner_client.post(
        f"/dashboard/posts/{post.id}/",
        {"title": "zqhidden post", "slug": "alpha-secret-post", "tags": "alpha-secret-tag"},
    )
    write(tenant, "zqhidden page", kind="page", slug="alpha-secret-page")
    owner_client.post(
        "/dashboard/settings/",
        {"title": "zqhidden title", "language": "french", "theme": "dark", "accent": "#111111",
         "posts_per_page": 3, "navigation": "zqhidden | /x/", "footer": "zqhidden"},
    )  # fmt: skip
    return post


@pytest.mark.parametrize("path", READER_PATHS)
def test_reader_pages_of_b_show_nothing_of_a(tenant, other_tenant, alpha_content, path):
    a, b = host_client(tenant), host_client(other_tenant)
    a.get(path)  # A's page in A's cache must not leak into B's
    response = b.get(path)
    assert SECRET not in response.content
    if path.startswith("/alpha-secret"):
        assert response.status_code == 404
    assert b.get(path).content == response.content  # and from B's cache, still nothing


def test_dashboard_pages_of_b_show_nothing_of_a(tenant, other_tenant, alpha_content, password):
    b = login(other_tenant, other_tenant.owner, password)
    for path in ("/dashboard/", "/dashboard/tags/", "/dashboard/settings/"):
        response = b.get(path)
        assert response.status_code == 200 and SECRET not in response.content, path
    assert b'<option value="english" selected>' in b.get("/dashboard/settings/").content
    for path in (
        f"/dashboard/posts/{alpha_content.id}/",
        f"/dashboard/posts/{alpha_content.id}/delete/",
    ):
        assert b.get(path).status_code == 404
        assert b.post(path, {"title": "x"}).status_code == 404
    b.post("/dashboard/tags/", {"sources": "alpha-secret-tag", "target": "stolen"})
    assert b"alpha-secret-tag" in host_client(tenant).get("/alpha-secret-post/").content


def test_a_change_on_a_does_not_touch_b(tenant, other_tenant, owner_client):
    write(other_tenant, "Bravo post")
    b = host_client(other_tenant)
    b.get("/")
    owner_client.post("/dashboard/posts/new/", {"title": "Alpha news", "publish": ""})
    assert b.get("/")["X-Cache"] == "hit"
