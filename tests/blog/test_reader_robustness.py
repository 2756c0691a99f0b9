"""Bad input and a missing Redis never give readers or writers a 500."""

import pytest

from blog.models import Post
from tenants import routing
from tenants.context import tenant_context
from tests.conftest import host_client


@pytest.fixture
def published(tenant):
    with tenant_context(tenant):
        return Post.objects.create(
            title="Hello", slug="hello", status="published", tags=["news"], body_html="<p>x</p>"
        )


@pytest.mark.parametrize("page", ["²", "١", "9" * 5000, "-1", "0", "1e3", " 1"])
def test_malformed_page_numbers_are_404_not_500(tenant, published, page):
    client = host_client(tenant)
    assert client.get("/", {"page": page}).status_code == 404
    assert client.get("/tag/news/", {"page": page}).status_code == 404
    search = client.get("/search/", {"q": "hello", "page": page})
    assert search.status_code == 200  # a bad page number on search shows the first page
    assert b'class="site-search"' in search.content


@pytest.mark.parametrize("path", ["/tag/a%00/", "/tag/a%00/feed/", "/tag/%00/"])
def test_control_characters_in_tag_urls_are_404(tenant, published, path):
    assert host_client(tenant).get(path).status_code == 404


def test_only_page_numbers_vary_cached_pages(tenant, published):
    client = host_client(tenant)
    client.get("/")
    assert client.get("/")["X-Cache"] == "hit"
    assert client.get("/", {"page": "1"}).status_code == 200
    assert client.get("/", {"page": "1"})["X-Cache"] == "hit"
    for n in range(3):  # cache-busters and tracking tags are rendered, never stored
        response = client.get("/", {"utm_source": f"x{n}"})
        assert response.status_code == 200 and "X-Cache" not in response


def test_pages_and_saves_work_while_redis_is_down(tenant, published, owner_client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    routing._local.clear()
    reader = host_client(tenant)
    assert reader.get("/").status_code == 200
    assert reader.get("/hello/").status_code == 200
    response = owner_client.post("/dashboard/posts/new/", {"title": "Offline", "publish": ""})
    assert response.status_code == 302
    assert reader.get("/offline/").status_code == 200
