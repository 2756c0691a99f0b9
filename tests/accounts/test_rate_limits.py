"""Abuse limits: each limit answers 429 with a page saying when to retry; clients are told
apart by REMOTE_ADDR only (a forwarding header is not read here)."""

import pytest
from django.test import Client

from tenants.models import Tenant
from tests.conftest import host_client
from tests.factories import PASSWORD, UserFactory
from tests.support.logins import root_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    def set_rates(**rates):
        settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, **rates}

    return set_rates


def assert_429(response, *, at_most: int):
    assert response.status_code == 429
    seconds = int(response["Retry-After"])
    assert 1 <= seconds <= at_most
    assert "Too many requests" in response.content.decode()
    assert "try again in" in response.content.decode()


def signup(client, n: int):
    return client.post(
        "/accounts/signup/",
        {
            "blog_name": f"B{n}",
            "subdomain": f"blog-{n}",
            "email": f"s{n}@example.org",
            "password1": PASSWORD,
        },
    )


def test_signups_are_limited_per_client_address(rates, db):
    rates(signup="2/h/ip")
    first = Client(HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.1")
    assert signup(first, 1).status_code == 302
    assert signup(first, 2).status_code == 302
    refused = signup(first, 3)
    assert_429(refused, at_most=3600)
    assert "minutes" in refused.content.decode()
    assert not Tenant.objects.filter(subdomain="blog-3").exists()
    # Another client is counted apart; a forwarding header sent by the first one changes
    # nothing (only the trusted proxy's middleware may set REMOTE_ADDR from it).
    second = Client(HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.2")
    assert signup(second, 4).status_code == 302
    forged = Client(
        HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.1", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert signup(forged, 5).status_code == 429


def test_blog_creation_is_limited_per_account(rates, make_blog):
    rates(blog_create="100/h/ip,1/d/user")
    person = UserFactory()
    make_blog("alpha", owner=person)
    root = root_login(person)
    assert root.post("/blogs/new/", {"blog_name": "B", "subdomain": "bravo"}).status_code == 302
    refused = root.post("/blogs/new/", {"blog_name": "C", "subdomain": "charlie"})
    assert_429(refused, at_most=86400)
    assert not Tenant.objects.filter(subdomain="charlie").exists()
    # Someone else, from the same address, may still create a blog.
    other = UserFactory()
    assert (
        root_login(other).post("/blogs/new/", {"blog_name": "D", "subdomain": "delta"}).status_code
        == 302
    )


def test_search_is_limited_per_client_address(rates, tenant):
    rates(search="3/m/ip")
    reader = host_client(tenant)
    for _ in range(3):
        assert reader.get("/search/?q=hello").status_code == 200
    assert_429(reader.get("/search/?q=hello"), at_most=60)
    other = Client(HTTP_HOST="alpha.localhost", REMOTE_ADDR="198.51.100.9")
    assert other.get("/search/?q=hello").status_code == 200


def test_password_resets_are_limited_per_address_typed(rates, db):
    rates(reset_password="100/h/ip,2/h/key")
    client = host_client("localhost")
    for _ in range(2):
        response = client.post("/accounts/password/reset/", {"email": "x@example.org"})
        assert response.status_code == 302
    assert_429(client.post("/accounts/password/reset/", {"email": "x@example.org"}), at_most=3600)
    assert client.post("/accounts/password/reset/", {"email": "y@example.org"}).status_code == 302


def test_invitation_sends_are_limited_per_account(rates, owner_client, tenant):
    from tests.conftest import plan_set

    plan_set(tenant, "business")
    rates(invitation_send="100/h/ip,2/h/user")
    for n in range(2):
        response = owner_client.post(
            "/dashboard/members/", {"email": f"i{n}@example.org", "role": "author"}
        )
        assert response.status_code == 302
    refused = owner_client.post(
        "/dashboard/members/", {"email": "i9@example.org", "role": "author"}
    )
    assert_429(refused, at_most=3600)


def test_failed_logins_are_limited(db):
    # allauth's own limit: after 5 failures for an address even the right password is
    # refused for a while (the form says so; allauth answers this one with the form).
    person = UserFactory()
    client = host_client("localhost")
    for _ in range(5):
        client.post("/accounts/login/", {"login": person.email, "password": "wrong"})
    response = client.post("/accounts/login/", {"login": person.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get("/blogs/").status_code == 302


def test_logins_are_limited_per_client_address(rates, db):
    rates(login="2/m/ip")
    client = host_client("localhost")
    for _ in range(2):
        client.post("/accounts/login/", {"login": "a@example.org", "password": "x"})
    assert_429(
        client.post("/accounts/login/", {"login": "a@example.org", "password": "x"}), at_most=60
    )
