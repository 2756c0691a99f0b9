import json

import pytest

from tenants.models import Tenant
from tenants.services import tenant_set_status
from tests.conftest import host_client


@pytest.mark.parametrize(
    "host", ["nosuchblog.localhost", "evil.example.com", "localhost.evil.com", "a.b.localhost"]
)
def test_unknown_host_is_a_404_page_not_the_public_site(db, host):
    response = host_client(host).get("/")
    assert response.status_code == 404
    assert b"No blog here" in response.content
    assert b"A blog of your own" not in response.content  # the public home page


def test_malformed_host_is_a_404(db):
    response = host_client("bad host!").get("/")
    assert response.status_code == 404


def test_root_and_www_serve_the_public_site(db):
    for host in ("localhost", "www.localhost", "localhost:8000"):
        response = host_client(host).get("/")
        assert response.status_code == 200
        assert b"A blog of your own" in response.content


def test_admin_and_signup_do_not_exist_on_blog_hosts(tenant):
    client = host_client(tenant)
    for path in ("/admin/", "/admin/login/", "/signup/"):
        assert client.get(path).status_code == 404, path
    # Signing up happens on the root domain: a blog's signup link leads there.
    moved = client.get("/accounts/signup/")
    assert moved.status_code == 302 and moved["Location"] == "http://localhost/accounts/signup/"
    # The console's login is allauth's (with two-factor), on the root domain.
    admin_login = host_client("localhost").get("/admin/login/")
    assert admin_login.status_code == 302 and admin_login["Location"].startswith("/accounts/login/")


def test_blog_host_serves_blog_urls_and_root_does_not(tenant):
    assert host_client(tenant).get("/dashboard/").status_code == 302
    assert host_client("localhost").get("/dashboard/").status_code == 404


def test_suspended_blog_answers_403_and_keeps_its_data(tenant, tenant_client):
    from blog.models import Post
    from tenants.context import tenant_context

    with tenant_context(tenant):
        Post.objects.create(title="Kept", slug="kept", status="published")
    assert tenant_client.get("/").status_code == 200  # now cached as active

    tenant_set_status(tenant=tenant, status=Tenant.Status.SUSPENDED)
    for path in ("/", "/kept/", "/dashboard/", "/accounts/login/"):
        response = tenant_client.get(path)
        assert response.status_code == 403, path
        assert b"this blog is suspended" in response.content.lower()

    tenant_set_status(tenant=tenant, status=Tenant.Status.ACTIVE)
    assert tenant_client.get("/kept/").status_code == 200


def test_healthz_on_any_host(tenant):
    for host in ("localhost", "alpha.localhost", "unknown.example"):
        response = host_client(host).get("/healthz")
        assert response.status_code == 200
        assert json.loads(response.content) == {
            "status": "ok",
            "database": "ok",
            "redis": "ok",
        }


def test_healthz_is_503_when_redis_is_unreachable(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = host_client("localhost").get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["redis"] == "unreachable"
    assert json.loads(response.content)["database"] == "ok"


def test_routing_lookups_are_cached(tenant, django_assert_num_queries):
    client = host_client(tenant)
    client.get("/")  # fills the cache
    # A page not yet in the page cache: search_path, blog settings, post list; no tenant lookup.
    with django_assert_num_queries(3):
        assert client.get("/?page=1").status_code == 200


def test_routing_falls_back_to_the_database_when_redis_is_down(tenant, settings):
    from tenants import routing

    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    routing._local.clear()
    route = routing.host_resolve("alpha.localhost")
    assert route.tenant.schema_name == tenant.schema_name
    assert routing.host_resolve("nosuchblog.localhost") is None
    routing.routing_invalidate("alpha.localhost")  # does not raise either


def test_a_suspension_reaches_this_process_at_once(tenant, tenant_client):
    assert tenant_client.get("/").status_code == 200  # memoised in this process
    tenant_set_status(tenant=tenant, status=Tenant.Status.SUSPENDED)
    assert tenant_client.get("/").status_code == 403
