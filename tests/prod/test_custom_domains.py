"""Custom domains: adding, DNS verification against a real DNS server, serving, primary
domain, plan gate, staff revoke, and isolation between blogs."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from blog import services as blog_services
from lib.urls import blog_host
from shared.billing.exceptions import LimitReached
from shared.console.models import AuditLog
from tenants import domains, routing
from tenants.context import tenant_context
from tenants.models import CustomDomain, Domain, Tenant
from tenants.services import tenant_set_status
from tests.accounts.mfa_helpers import mfa_login, totp_enrol
from tests.conftest import host_client, plan_set
from tests.factories import UserFactory
from tests.prod.dns_server import BlackHole
from tests.support.domains import (
    APEX_IP,
    TARGET,
    domain_add,
    domain_verify,
    txt_record,
    verified_domain,
)

pytestmark = pytest.mark.usefixtures("dns_settings")


# --- DNS verification, against dnsmasq ---------------------------------------------------------


def test_right_cname_and_txt_verify_and_start_serving(pro_tenant, dns_server):
    custom = domain_add(pro_tenant, "blog.good.test", "tok1")
    dns_server(f"--cname=blog.good.test,{TARGET}", txt_record("blog.good.test", "tok1"))
    assert host_client("blog.good.test").get("/").status_code == 404  # not yet
    custom = domain_verify(custom)
    assert custom.status == "verified", custom.reason
    assert Domain.objects.get(domain="blog.good.test").tenant_id == pro_tenant.id
    assert host_client("blog.good.test").get("/").status_code == 200
    assert AuditLog.objects.filter(action="domain.verified", tenant_id=pro_tenant.id).exists()


def test_wrong_cname_says_what_was_found(pro_tenant, dns_server):
    custom = domain_add(pro_tenant, "blog.wrong.test", "tok2")
    dns_server(
        "--host-record=elsewhere.test,198.51.100.1",
        "--cname=blog.wrong.test,elsewhere.test",
        txt_record("blog.wrong.test", "tok2"),
    )
    custom = domain_verify(custom)
    assert custom.status == "pending"
    assert custom.reason == f"Found CNAME to elsewhere.test, expected {TARGET}."


def test_missing_txt(pro_tenant, dns_server):
    custom = domain_add(pro_tenant, "blog.notxt.test", "tok3")
    dns_server(f"--cname=blog.notxt.test,{TARGET}")
    custom = domain_verify(custom)
    assert custom.status == "pending"
    assert "No TXT record at _quire-challenge.blog.notxt.test" in custom.reason
    assert "quire-verify=tok3" in custom.reason


def test_wrong_txt(pro_tenant, dns_server):
    custom = domain_add(pro_tenant, "blog.badtxt.test", "tok4")
    dns_server(f"--cname=blog.badtxt.test,{TARGET}", txt_record("blog.badtxt.test", "someone-else"))
    custom = domain_verify(custom)
    assert custom.status == "pending" and "expected “quire-verify=tok4”" in custom.reason


def test_apex_with_a_record(pro_tenant, dns_server):
    custom = domain_add(pro_tenant, "apex.test", "tok5")
    dns_server(f"--host-record=apex.test,{APEX_IP}", txt_record("apex.test", "tok5"))
    records = domains.custom_domain_records(custom_domain=custom)
    assert [(r.type, r.value) for r in records][0] == ("A", APEX_IP)
    assert domain_verify(custom).status == "verified"


def test_apex_with_a_wrong_a_record(pro_tenant, dns_server):
    custom = domain_add(pro_tenant, "apex2.test", "tok6")
    dns_server("--host-record=apex2.test,192.0.2.99", txt_record("apex2.test", "tok6"))
    custom = domain_verify(custom)
    assert custom.reason == f"Found A/AAAA 192.0.2.99, expected {APEX_IP}."


def test_nxdomain(pro_tenant, dns_server):
    custom = domain_add(pro_tenant, "blog.missing.test", "tok7")
    dns_server()
    custom = domain_verify(custom)
    assert custom.status == "pending"
    assert "does not exist in DNS yet (NXDOMAIN)" in custom.reason


def test_resolver_timeout_is_a_retry_not_a_500(pro_tenant, settings):
    custom = domain_add(pro_tenant, "blog.slow.test", "tok8")
    hole = BlackHole()
    try:
        settings.QUIRE_DNS_NAMESERVERS = ["127.0.0.1"]
        settings.QUIRE_DNS_PORT = hole.port
        settings.QUIRE_DNS_TIMEOUT = 0.5
        custom = domain_verify(custom)
    finally:
        hole.stop()
    assert custom.status == "pending"
    assert "did not answer in time" in custom.reason
    assert custom.next_check_at > timezone.now()


def test_backoff_then_failed_after_72_hours_then_check_now_restarts(pro_tenant, dns_server):
    custom = domain_add(pro_tenant, "blog.late.test", "tok9")
    dns_server()
    first = domain_verify(custom)
    second = domain_verify(custom)
    assert second.next_check_at - second.checked_at > first.next_check_at - first.checked_at
    assert domains.custom_domains_due(now=timezone.now() + timedelta(days=1)) == [custom.pk]
    CustomDomain.objects.filter(pk=custom.pk).update(
        created_at=timezone.now() - timedelta(hours=73)
    )
    failed = domain_verify(custom)
    assert failed.status == "failed" and "Not verified within 72 hours" in failed.reason
    assert domains.custom_domains_due(now=timezone.now() + timedelta(days=30)) == []
    again = domains.custom_domain_check_now(tenant=pro_tenant)
    assert again.status == "pending"


# --- the owner's Domain page ---------------------------------------------------------------------


def test_free_plan_cannot_add_a_domain(tenant, owner_client):
    page = owner_client.get("/dashboard/domain/")
    assert page.status_code == 200 and b"Upgrade your plan" in page.content
    response = owner_client.post("/dashboard/domain/", {"domain": "blog.example.org"})
    assert response.status_code == 403
    assert not CustomDomain.objects.exists()
    with pytest.raises(LimitReached):
        domains.custom_domain_add(tenant=tenant, domain="blog.example.org", actor=tenant.owner)


def test_owner_adds_a_domain_and_sees_the_records(pro_tenant, owner_client):
    response = owner_client.post("/dashboard/domain/", {"domain": "https://Blog.Example.org/"})
    assert response.status_code == 302
    custom = CustomDomain.objects.get(tenant=pro_tenant)
    assert custom.domain == "blog.example.org" and custom.status == "pending"
    page = owner_client.get("/dashboard/domain/").content.decode()
    assert f"<code>{TARGET}</code>" in page
    assert f"quire-verify={custom.token}" in page
    assert "_quire-challenge.blog.example.org" in page
    assert AuditLog.objects.filter(action="domain.add", tenant_id=pro_tenant.id).exists()


@pytest.mark.parametrize(
    "bad, message",
    [
        ("", "Enter a domain name"),
        ("localhost", "belong to the platform"),
        ("alpha.localhost", "belong to the platform"),
        ("x.y.localhost", "belong to the platform"),
        ("not a domain", "not a valid domain"),
        ("-bad-.example.org", "not a valid domain"),
        ("192.168.1.1", "not an IP address"),
        ("example.org:8080", "without a port"),
        ("a" * 64 + ".example.org", "not a valid domain"),
        (TARGET, "belongs to the platform"),
    ],
)
def test_bad_domains_get_a_clear_message(pro_tenant, owner_client, bad, message):
    response = owner_client.post("/dashboard/domain/", {"domain": bad})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CustomDomain.objects.exists()


def test_idn_is_stored_as_punycode_and_shown_as_unicode(pro_tenant, owner_client):
    owner_client.post("/dashboard/domain/", {"domain": "Bücher.example"})
    custom = CustomDomain.objects.get(tenant=pro_tenant)
    assert custom.domain == "xn--bcher-kva.example"
    assert custom.display == "bücher.example"
    assert "bücher.example" in owner_client.get("/dashboard/domain/").content.decode()


def test_one_domain_per_blog(pro_tenant):
    domain_add(pro_tenant, "one.example.org", "t")
    with pytest.raises(domains.DomainError, match="already has a custom domain"):
        domains.custom_domain_add(tenant=pro_tenant, domain="two.example.org", actor=None)


def test_editor_cannot_open_the_domain_page(pro_tenant, password):
    from tests.conftest import add_member

    editor = add_member(pro_tenant, "editor")
    client = host_client(pro_tenant)
    client.post("/accounts/login/", {"login": editor.email, "password": password})
    assert client.get("/dashboard/domain/").status_code == 403
    assert client.post("/dashboard/domain/", {"domain": "x.example.org"}).status_code == 403


# --- serving: reader pages only, primary domain, downgrade, ask endpoint ------------------------


def _publish(tenant, title: str) -> None:
    with tenant_context(tenant):
        blog_services.post_create(
            tenant=tenant, author=tenant.owner, title=title, body="Body.", action="publish"
        )


def test_custom_domain_serves_reader_pages_only_and_no_cookies(pro_tenant, dns_server):
    verified_domain(pro_tenant, "blog.alpha.test", dns_server)
    _publish(pro_tenant, "Alpha post")
    client = host_client("blog.alpha.test")
    home = client.get("/")
    assert home.status_code == 200 and b"Alpha post" in home.content
    assert not home.cookies
    for path in ("/dashboard/", "/accounts/login/", "/dashboard/domain/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert not response.cookies, path
    assert client.get("/feed/").status_code == 200


def test_primary_domain_redirects_reader_pages_and_keeps_the_dashboard(
    pro_tenant, dns_server, owner_client
):
    verified_domain(pro_tenant, "blog.alpha.test", dns_server)
    _publish(pro_tenant, "Alpha post")
    response = owner_client.post("/dashboard/domain/primary/", {"primary": "1"})
    assert response.status_code == 302
    sub = host_client(pro_tenant)
    moved = sub.get("/alpha-post/?x=1")
    assert moved.status_code == 301
    assert moved["Location"] == "http://blog.alpha.test/alpha-post/?x=1"
    assert sub.get("/dashboard/").status_code == 302  # to the login, on the subdomain
    assert owner_client.get("/dashboard/").status_code == 200
    page = host_client("blog.alpha.test").get("/alpha-post/").content.decode()
    assert '<link rel="canonical" href="http://blog.alpha.test/alpha-post/">' in page
    owner_client.post("/dashboard/domain/primary/", {"primary": "0"})
    assert sub.get("/alpha-post/").status_code == 200
    assert AuditLog.objects.filter(action="domain.primary").exists()


def _expire_routes() -> None:
    """What QUIRE_ROUTING's timeouts do by themselves within a minute."""
    cache.clear()
    routing._local.clear()


def ask(domain: str) -> int:
    return host_client("internal.invalid").get("/_quire/ask", {"domain": domain}).status_code


def test_downgrade_stops_the_domain(pro_tenant, dns_server):
    verified_domain(pro_tenant, "blog.alpha.test", dns_server)
    domains.custom_domain_set_primary(tenant=pro_tenant, primary=True, actor=None)
    assert host_client("blog.alpha.test").get("/").status_code == 200
    assert ask("blog.alpha.test") == 200
    plan_set(pro_tenant, "free")
    _expire_routes()
    assert host_client("blog.alpha.test").get("/").status_code == 404
    assert ask("blog.alpha.test") == 404
    assert host_client(pro_tenant).get("/").status_code == 200  # no redirect to a dead domain


def test_removed_domain_stops_serving_at_once(pro_tenant, dns_server, owner_client):
    verified_domain(pro_tenant, "blog.alpha.test", dns_server)
    assert host_client("blog.alpha.test").get("/").status_code == 200
    assert owner_client.post("/dashboard/domain/remove/").status_code == 302
    assert host_client("blog.alpha.test").get("/").status_code == 404
    assert ask("blog.alpha.test") == 404
    assert AuditLog.objects.filter(action="domain.remove", tenant_id=pro_tenant.id).exists()


def test_ask_endpoint(pro_tenant, other_tenant, dns_server, make_blog):
    verified_domain(pro_tenant, "blog.alpha.test", dns_server)
    plan_set(other_tenant, "pro")
    domain_add(other_tenant, "pending.bravo.test", "x")
    suspended = make_blog("sleepy")
    tenant_set_status(tenant=suspended, status=Tenant.Status.SUSPENDED)
    gone = make_blog("gone")
    tenant_set_status(tenant=gone, status=Tenant.Status.DELETED)
    assert ask("localhost") == 200
    assert ask("www.localhost") == 200
    assert ask(blog_host(pro_tenant.subdomain)) == 200
    assert ask("blog.alpha.test") == 200
    assert ask("pending.bravo.test") == 404  # not verified
    assert ask("nosuch.localhost") == 404
    assert ask("evil.example.com") == 404
    assert ask(blog_host("sleepy")) == 403
    assert ask(blog_host("gone")) == 404
    assert host_client("x").get("/_quire/ask").status_code == 400
    # answers say their length (gunicorn would otherwise send them chunked, on the TLS path)
    answer = host_client("internal.invalid").get("/_quire/ask", {"domain": "localhost"})
    assert answer["Content-Length"] == str(len(answer.content)) == "3"
    # cached: a second answer costs no query
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert ask("blog.alpha.test") == 200
    assert len(queries) == 0


# --- isolation -----------------------------------------------------------------------------------


def test_blog_a_cannot_claim_see_verify_or_remove_b_domain(
    pro_tenant, other_tenant, dns_server, owner_client
):
    plan_set(other_tenant, "pro")
    b_domain = domain_add(other_tenant, "blog.bravo.test", "tokb")
    # claim
    response = owner_client.post("/dashboard/domain/", {"domain": "blog.bravo.test"})
    assert response.status_code == 400
    assert "already used by another blog" in response.content.decode()
    # see: A's page shows nothing of B's
    page = owner_client.get("/dashboard/domain/").content.decode()
    assert "bravo" not in page and "tokb" not in page
    # verify / remove: A's owner acts on A only (no domain there), never on B's
    assert owner_client.post("/dashboard/domain/check/").status_code == 400
    assert owner_client.post("/dashboard/domain/remove/").status_code == 400
    with pytest.raises(CustomDomain.DoesNotExist):
        domains.custom_domain_verify(custom_domain_id=b_domain.pk, tenant_id=pro_tenant.id)
    assert CustomDomain.objects.filter(pk=b_domain.pk).exists()
    # A's owner on B's host is not a member
    b_host = host_client(other_tenant)
    b_host.cookies = owner_client.cookies
    assert b_host.get("/dashboard/domain/").status_code in (302, 403)
    assert b_host.post("/dashboard/domain/remove/").status_code in (302, 403)
    assert CustomDomain.objects.filter(pk=b_domain.pk).exists()


def test_a_domain_never_serves_b_pages_or_cached_pages(pro_tenant, other_tenant, dns_server):
    verified_domain(pro_tenant, "blog.alpha.test", dns_server)
    _publish(pro_tenant, "Alpha post")
    _publish(other_tenant, "Bravo post")
    # warm B's page cache on B's host for the same paths
    b = host_client(other_tenant)
    assert b"Bravo post" in b.get("/").content
    assert b.get("/bravo-post/").status_code == 200
    a = host_client("blog.alpha.test")
    for _ in range(2):  # a miss, then a cache hit
        home = a.get("/")
        assert b"Alpha post" in home.content and b"Bravo post" not in home.content
        assert a.get("/bravo-post/").status_code == 404
        assert b"Bravo" not in a.get("/feed/").content


def test_two_blogs_racing_for_one_domain_get_one_winner(transactional_db, make_blog):
    # transactional_db by name: the suite's teardown hook then drops the committed schemas
    blogs = [make_blog("racea"), make_blog("raceb")]
    for blog in blogs:
        plan_set(blog, "pro")
    barrier = threading.Barrier(2)
    outcomes = []

    def claim(blog):
        from django.db import connections

        try:
            barrier.wait()
            domains.custom_domain_add(tenant=blog, domain="contested.example.org", actor=None)
            outcomes.append("won")
        except domains.DomainTaken:
            outcomes.append("taken")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(b,)) for b in blogs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["taken", "won"]
    assert CustomDomain.objects.filter(domain="contested.example.org").count() == 1


def test_staff_see_and_revoke_domains_in_the_console(pro_tenant, dns_server):
    verified_domain(pro_tenant, "blog.alpha.test", dns_server)
    staff = UserFactory(is_staff=True, is_superuser=True)
    console = mfa_login(staff, totp_enrol(staff))  # staff need their second factor
    listing = console.get("/admin/tenants/customdomain/")
    assert listing.status_code == 200 and b"blog.alpha.test" in listing.content
    custom = CustomDomain.objects.get(tenant=pro_tenant)
    response = console.post(
        "/admin/tenants/customdomain/",
        {"action": "revoke", "_selected_action": [custom.pk]},
    )
    assert response.status_code == 302
    assert not CustomDomain.objects.filter(pk=custom.pk).exists()
    assert host_client("blog.alpha.test").get("/").status_code == 404
    entry = AuditLog.objects.get(action="domain.remove", tenant_id=pro_tenant.id)
    assert entry.actor == staff and entry.after == {"reason": "revoked by staff"}


def test_dashboard_links_stay_on_the_subdomain_when_a_custom_domain_is_primary(
    pro_tenant, dns_server
):
    from tenants import selectors

    verified_domain(pro_tenant, "blog.alpha.test", dns_server)
    domains.custom_domain_set_primary(tenant=pro_tenant, primary=True, actor=None)
    assert selectors.tenant_url(tenant=pro_tenant, path="/dashboard/") == (
        "http://alpha.localhost/dashboard/"
    )
    assert selectors.tenant_reader_url(tenant=pro_tenant, path="/x/") == "http://blog.alpha.test/x/"


def test_hsts_on_a_custom_domain_never_covers_the_owner_other_subdomains(
    pro_tenant, dns_server, settings
):
    verified_domain(pro_tenant, "blog.alpha.test", dns_server)
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    proxy = {"HTTP_X_FORWARDED_PROTO": "https"}
    custom = host_client("blog.alpha.test").get("/", **proxy)
    assert custom["Strict-Transport-Security"] == "max-age=3600"
    platform = host_client(pro_tenant).get("/", **proxy)
    assert platform["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"


def test_refused_asks_are_not_logged_as_errors(db, caplog):
    with caplog.at_level("INFO", logger="django.request"):
        assert ask("random.example.com") == 404
    assert not [r for r in caplog.records if r.name == "django.request"]


def test_feeds_sitemap_and_robots_name_the_primary_host_whichever_host_is_asked(
    pro_tenant, dns_server
):
    verified_domain(pro_tenant, "blog.alpha.test", dns_server)  # not primary: the subdomain is
    _publish(pro_tenant, "Alpha post")
    sub = f"http://{blog_host(pro_tenant.subdomain)}"
    for host in ("blog.alpha.test", blog_host(pro_tenant.subdomain)):
        client = host_client(host)
        feed = client.get("/feed/").content.decode()
        assert f"<id>{sub}/</id>" in feed and f'href="{sub}/alpha-post/"' in feed, host
        assert "blog.alpha.test" not in feed, host
        rss = client.get("/rss/").content.decode()
        assert f"<link>{sub}/alpha-post/</link>" in rss and "blog.alpha.test" not in rss, host
        sitemap = client.get("/sitemap.xml").content.decode()
        assert f"<loc>{sub}/alpha-post/</loc>" in sitemap and "blog.alpha.test" not in sitemap
        assert f"Sitemap: {sub}/sitemap.xml" in client.get("/robots.txt").content.decode()
    # Once the custom domain is primary, the subdomain redirects and everything names it.
    domains.custom_domain_set_primary(tenant=pro_tenant, primary=True, actor=None)
    _expire_routes()
    feed = host_client("blog.alpha.test").get("/feed/").content.decode()
    assert 'href="http://blog.alpha.test/alpha-post/"' in feed and sub not in feed
