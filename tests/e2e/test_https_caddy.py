"""HTTPS through a real Caddy (internal CA, on-demand TLS asking Quire) in front of the live
server, driven by Chromium: sign up, write and publish on a subdomain over HTTPS; read on a
verified custom domain; a certificate for the verified domain and none for an unverified one.
"""

import http.client
import re
import ssl

import pytest

from tenants import domains
from tenants.models import Tenant
from tests.conftest import plan_set
from tests.e2e.caddy import Caddy
from tests.e2e.smtp import smtp_inbox  # noqa: F401  (fixture)
from tests.factories import PASSWORD
from tests.prod.dns_server import DnsServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TARGET = "edge.quire.test"


@pytest.fixture
def caddy(live_server, tmp_path):
    server = Caddy(live_server.url.removeprefix("http://"), tmp_path)
    yield server
    server.stop()


@pytest.fixture
def https_page(browser):
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def _verify_domain(tenant: Tenant, name: str, settings) -> None:
    settings.QUIRE_DOMAIN_CNAME_TARGET = TARGET
    custom = domains.custom_domain_add(tenant=tenant, domain=name, actor=None)
    dns = DnsServer(
        f"--host-record={TARGET},127.0.0.1",
        f"--cname={name},{TARGET}",
        f"--txt-record=_quire-challenge.{name},quire-verify={custom.token}",
    )
    try:
        settings.QUIRE_DNS_NAMESERVERS, settings.QUIRE_DNS_PORT = ["127.0.0.1"], dns.port
        assert domains.custom_domain_verify(custom_domain_id=custom.pk).status == "verified"
    finally:
        dns.stop()


def test_https_journey_and_on_demand_certificates(caddy, https_page, settings, smtp_inbox):  # noqa: F811
    page, port = https_page, caddy.https_port
    page.goto(f"https://localhost:{port}/signup/")
    page.fill("input[name=blog_name]", "Night Notes")
    page.fill("input[name=subdomain]", "NightNotes")
    page.fill("input[name=email]", "night@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"https://localhost:{port}/accounts/confirm-email/")
    # the confirmation link in the mail is on the HTTPS host the person signed up on
    message = smtp_inbox.wait_for("night@example.org", "Confirm your email address")
    page.goto(smtp_inbox.link(message, f"https://localhost:{port}/accounts/confirm-email/"))
    page.click("button[type=submit]")
    page.wait_for_url(f"https://nightnotes.localhost:{port}/dashboard/")

    page.click("text=New post")
    page.fill("input[name=title]", "Under the stars")
    page.fill("textarea[name=body]", "The sky was *clear* tonight.")
    page.click("button[name=publish]")
    page.wait_for_url(re.compile(r"https://nightnotes\.localhost:\d+/dashboard/$"))

    # log out and in again over HTTPS: the CSRF Origin check passes behind the proxy
    page.click("button:has-text('Log out')")
    page.goto(f"https://nightnotes.localhost:{port}/accounts/login/")
    page.fill("input[name=login]", "night@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(f"https://nightnotes.localhost:{port}/dashboard/")

    # the blog's subdomain has its certificate
    assert "nightnotes.localhost" in caddy.certificate_for("nightnotes.localhost")

    # a verified custom domain gets a certificate and serves the blog's pages
    tenant = Tenant.objects.get(subdomain="nightnotes")
    plan_set(tenant, "pro")
    _verify_domain(tenant, "blog.night.test", settings)
    assert caddy.certificate_for("blog.night.test") == ["blog.night.test"]
    page.goto(f"https://blog.night.test:{port}/under-the-stars/")
    assert page.locator("article em", has_text="clear").is_visible()
    assert page.url.startswith("https://blog.night.test:")

    # an unverified domain, and names nobody serves, fail the TLS handshake
    pending_blog = _other_blog()
    plan_set(pending_blog, "pro")
    domains.custom_domain_add(tenant=pending_blog, domain="pending.night.test", actor=None)
    for name in ("pending.night.test", "random.example.com", "nosuchblog.localhost"):
        with pytest.raises(ssl.SSLError):
            caddy.certificate_for(name)


def _other_blog() -> Tenant:
    from tenants import services
    from tests.factories import UserFactory

    return services.tenant_provision(subdomain="pendingblog", name="P", owner=UserFactory())


def test_plain_http_redirects_to_the_https_port_and_the_web_servers_name_stays_inside(caddy):
    plain = http.client.HTTPConnection("127.0.0.1", caddy.http_port, timeout=10)
    plain.request("GET", "/archive/?page=2", headers={"Host": "demo.localhost"})
    answer = plain.getresponse()
    assert answer.status == 308
    # make run HTTPS=1 serves HTTPS on 8443: a redirect without the port would go nowhere
    assert (
        answer.getheader("Location") == f"https://demo.localhost:{caddy.https_port}/archive/?page=2"
    )
    plain.close()

    context = ssl.create_default_context(cafile=str(caddy.root_ca))
    secure = http.client.HTTPSConnection("localhost", caddy.https_port, timeout=10, context=context)
    secure.request("GET", "/healthz")
    answer = secure.getresponse()
    answer.read()
    assert answer.status == 200
    assert answer.headers.get_all("Server") == ["Caddy"]  # not also gunicorn's or runserver's
