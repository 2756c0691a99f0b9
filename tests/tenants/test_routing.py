import json
import time

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


def _as_another_process_saw_it(hosts):
    """What a process that served these hosts a moment ago still holds in its memo."""
    from tenants import routing

    for host in hosts:
        routing.host_resolve(host)
    return {host: routing._local[host] for host in hosts}


def _poll_passes(settings):
    time.sleep(settings.QUIRE_ROUTING_POLL_SECONDS + 0.05)


def test_a_change_made_in_another_process_stops_routing_within_the_poll(
    tenant, other_tenant, settings
):
    """The memo lives 300 s; a deletion or a rename made elsewhere must not: each process asks
    Redis which hosts changed every QUIRE_ROUTING_POLL_SECONDS and drops them."""
    from tenants import routing
    from tenants.models import Domain

    settings.QUIRE_ROUTING_POLL_SECONDS = 0.2
    held = _as_another_process_saw_it(["alpha.localhost", "bravo.localhost"])
    # The other process (this one's memo is cleared by the change itself): delete alpha,
    # move bravo to a new name.
    tenant_set_status(tenant=tenant, status=Tenant.Status.DELETED)
    Domain.objects.filter(domain="bravo.localhost").update(domain="bravo2.localhost")
    routing.routing_invalidate("bravo.localhost", "bravo2.localhost")
    routing._local.update(held)  # as this process still had them

    _poll_passes(settings)
    assert routing.host_resolve("alpha.localhost").tenant.status == Tenant.Status.DELETED
    assert routing.host_resolve("bravo.localhost") is None
    assert routing.host_resolve("bravo2.localhost").tenant.schema_name == other_tenant.schema_name
    assert host_client("alpha.localhost").get("/").status_code == 404
    assert host_client("bravo.localhost").get("/").status_code == 404


def test_other_changes_leave_this_process_memo_alone(tenant, other_tenant, settings):
    """Only the hosts that changed are dropped: a fleet where blogs change all the time keeps
    serving every other host from memory."""
    from tenants import routing

    settings.QUIRE_ROUTING_POLL_SECONDS = 0.2
    _as_another_process_saw_it(["alpha.localhost"])
    _poll_passes(settings)
    routing.host_resolve("alpha.localhost")  # the first look of this process is done
    routing.routing_invalidate("bravo.localhost")
    _poll_passes(settings)
    routing.host_resolve("bravo.localhost")
    assert "alpha.localhost" in routing._local


def test_a_page_cached_for_one_host_is_never_served_on_another(tenant, other_tenant):
    """Routing memoised for both hosts in this process, pages cached for both: each host
    always gets its own blog's page, and B's first request is a miss although A's page is
    cached under the same path."""
    from tests.blog.conftest import write

    write(tenant, "Alpha only post")
    write(other_tenant, "Bravo only post")
    a, b = host_client(tenant), host_client(other_tenant)
    first_a = a.get("/")
    assert first_a["X-Cache"] == "miss"
    first_b = b.get("/")
    assert first_b["X-Cache"] == "miss"
    for _ in range(3):
        page_a, page_b = a.get("/"), b.get("/")
        assert page_a["X-Cache"] == page_b["X-Cache"] == "hit"
        assert b"Alpha only post" in page_a.content and b"Bravo only post" not in page_a.content
        assert b"Bravo only post" in page_b.content and b"Alpha only post" not in page_b.content
        assert page_a["ETag"] != page_b["ETag"]
