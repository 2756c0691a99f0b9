"""Django behind a TLS-terminating proxy: scheme and client address are believed only from a
trusted proxy; CSRF checks the Origin against the host actually served."""

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from lib.urls import blog_host
from tenants.proxy import TrustedProxyMiddleware, client_address, trusted_networks

TRUSTED = trusted_networks(["127.0.0.1/32", "10.0.0.0/8", "::1/128"])


@pytest.mark.parametrize(
    "peer, xff, expected",
    [
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),
        # the client wrote the left-most entries itself: the right-most untrusted one counts
        ("127.0.0.1", "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        ("127.0.0.1", "198.51.100.7, 10.0.0.5", "198.51.100.7"),
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "10.0.0.9, 10.0.0.5", "10.0.0.9"),
        ("127.0.0.1", "not-an-ip, 10.0.0.5", "10.0.0.5"),
        ("127.0.0.1", "2001:db8::1", "2001:db8::1"),
        ("127.0.0.1", "[2001:db8::2]:4711", "2001:db8::2"),
        # an untrusted peer's header is ignored
        ("203.0.113.5", "1.2.3.4", "203.0.113.5"),
        ("203.0.113.5", "127.0.0.1", "203.0.113.5"),
    ],
)
def test_client_address(peer, xff, expected):
    assert client_address(peer, xff, TRUSTED) == expected


def _through_middleware(settings, **meta):
    settings.QUIRE_TRUSTED_PROXIES = ["127.0.0.1/32"]
    seen = {}

    def view(request):
        seen["addr"] = request.META["REMOTE_ADDR"]
        seen["secure"] = request.is_secure()
        return HttpResponse()

    TrustedProxyMiddleware(view)(RequestFactory().get("/", **meta))
    return seen


def test_forged_headers_from_an_untrusted_peer_are_dropped(settings):
    seen = _through_middleware(
        settings,
        REMOTE_ADDR="203.0.113.5",
        HTTP_X_FORWARDED_FOR="127.0.0.1",
        HTTP_X_FORWARDED_PROTO="https",
    )
    assert seen == {"addr": "203.0.113.5", "secure": False}


def test_headers_from_the_trusted_proxy_are_believed(settings):
    seen = _through_middleware(
        settings,
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7",
        HTTP_X_FORWARDED_PROTO="https",
    )
    assert seen == {"addr": "198.51.100.7", "secure": True}


def _login_post(tenant, password, *, origin: str, peer: str = "127.0.0.1"):
    host = blog_host(tenant.subdomain)
    client = Client(HTTP_HOST=host, enforce_csrf_checks=True, REMOTE_ADDR=peer)
    proxy = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    page = client.get("/accounts/login/", **proxy)
    assert page.status_code == 200
    token = client.cookies["csrftoken"].value
    return client.post(
        "/accounts/login/",
        {"login": tenant.owner.email, "password": password, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN=origin,
        **proxy,
    )


@pytest.fixture
def https_on(settings):
    settings.QUIRE_TRUSTED_PROXIES = ["127.0.0.1/32"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 3600


def test_login_behind_the_proxy_with_https_origin_succeeds(tenant, password, https_on):
    response = _login_post(tenant, password, origin=f"https://{blog_host(tenant.subdomain)}")
    assert response.status_code == 302, response.content[:300]
    assert response["Strict-Transport-Security"].startswith("max-age=3600")
    assert response.cookies["sessionid"]["secure"]


def test_login_with_a_foreign_origin_is_refused(tenant, password, https_on, other_tenant):
    response = _login_post(tenant, password, origin=f"https://{blog_host(other_tenant.subdomain)}")
    assert response.status_code == 403
    response = _login_post(tenant, password, origin="https://evil.example.com")
    assert response.status_code == 403


def test_forged_proto_from_an_untrusted_peer_is_redirected_not_trusted(tenant, https_on):
    client = Client(HTTP_HOST=blog_host(tenant.subdomain), REMOTE_ADDR="203.0.113.5")
    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_root_domain_login_behind_the_proxy(db, https_on, user, password):
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    proxy = {"HTTP_X_FORWARDED_PROTO": "https"}
    assert client.get("/accounts/login/", **proxy).status_code == 200
    response = client.post(
        "/accounts/login/",
        {
            "login": user.email,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
        HTTP_ORIGIN="https://localhost",
        **proxy,
    )
    assert response.status_code == 302
