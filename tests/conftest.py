"""Fixtures for the whole suite. Real PostgreSQL and Redis; nothing of ours is mocked.

Blogs are made with the real provisioning service. In `db` tests their schemas vanish with
the test's transaction; after `transactional_db` tests the hook below drops them.
"""

import os
import warnings

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from hypothesis import settings as hypothesis_settings

from lib.urls import blog_host
from shared.accounts.models import Membership
from tenants import routing, schemas, services
from tests.factories import PASSWORD, UserFactory
from tests.prod.dns_server import DnsServer
from tests.support.domains import APEX_IP, TARGET

# Property tests draw the same examples on every run (a fresh clone has no example database),
# so CI is repeatable; QUIRE_HYPOTHESIS_PROFILE=explore draws new ones each run.
hypothesis_settings.register_profile("quire", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", database=None)
hypothesis_settings.load_profile(os.environ.get("QUIRE_HYPOTHESIS_PROFILE", "quire"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        schemas.template_ensure()
    yield
    # Whatever still holds a session on the test database (a thread or a process a test left
    # behind) would make dropping it fail: name it, so the test that leaked it can be found.
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, application_name, backend_type, state, left(query, 200) "
                "FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            others = cursor.fetchall()
            # Ended here, or dropping the database fails and the next run on this slot
            # finds it (pytest-django would only warn).
            for pid, *_rest in others:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        connection.close()
    if others:
        warnings.warn(f"sessions left on the test database at the end: {others}", stacklevel=1)


def _commits(item) -> bool:
    if {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())):
        return True
    marker = item.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    # Before pytest-django tears the database down: back to the public schema (its flush only
    # sees the current schema's tables), and drop the schemas a committing test made (asked
    # for by fixture name or by `@pytest.mark.django_db(transaction=True)`).
    if _commits(item):
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%%' AND nspname <> %s",
                [schemas.settings.QUIRE_TEMPLATE_SCHEMA],
            )
            for (name,) in cursor.fetchall():
                schemas.schema_drop(name)
    elif "db" in getattr(item, "fixturenames", ()):
        connection.set_schema_to_public()
    return (yield)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Routing and page caches live in Redis (a test database of its own): start empty."""
    cache.clear()
    routing._local.clear()  # the per-process memo of host routes
    routing._seen.update(generation=None, next_poll=0.0)
    yield


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def make_blog(db):
    def make(subdomain: str, *, owner=None, name: str | None = None):
        owner = owner or UserFactory()
        tenant = services.tenant_provision(
            subdomain=subdomain, name=name or subdomain.title(), owner=owner
        )
        tenant.owner = owner
        return tenant

    return make


@pytest.fixture
def tenant(make_blog):
    return make_blog("alpha")


@pytest.fixture
def other_tenant(make_blog):
    return make_blog("bravo")


def host_client(tenant_or_host) -> Client:
    host = (
        tenant_or_host if isinstance(tenant_or_host, str) else blog_host(tenant_or_host.subdomain)
    )
    return Client(HTTP_HOST=host)


@pytest.fixture
def root_client():
    return host_client("localhost")


@pytest.fixture
def tenant_client(tenant):
    return host_client(tenant)


@pytest.fixture
def owner_client(tenant, password):
    client = host_client(tenant)
    response = client.post("/accounts/login/", {"login": tenant.owner.email, "password": password})
    assert response.status_code == 302, response.content[:500]
    return client


def add_member(tenant, role: str, user=None):
    user = user or UserFactory()
    Membership.objects.create(user=user, tenant=tenant, role=role)
    return user


def plan_set(tenant, code: str) -> None:
    """Put a blog on a plan (as staff would), for tests that need more than Free allows."""
    from shared.billing import services as billing_services

    staff = UserFactory(is_staff=True)
    billing_services.subscription_plan_set(tenant_id=tenant.id, plan_code=code, actor=staff)


# --- custom domains against a real DNS server (tests/prod/dns_server.py) -----------------------


@pytest.fixture
def dns_settings(settings):
    """Domain checks expect CNAMEs to TARGET and apex A records to APEX_IP, and give up on DNS
    after a second (modules with custom domains use it: `pytest.mark.usefixtures`)."""
    settings.QUIRE_DOMAIN_CNAME_TARGET = TARGET
    settings.QUIRE_DOMAIN_IPV4 = [APEX_IP]
    settings.QUIRE_DOMAIN_IPV6 = []
    settings.QUIRE_DNS_TIMEOUT = 1.0


@pytest.fixture
def dns_server(settings):
    """Start dnsmasq with the given records (and TARGET's) and point the domain checks at it."""
    servers = []

    def start(*records: str) -> DnsServer:
        server = DnsServer(f"--host-record={TARGET},{APEX_IP}", *records)
        servers.append(server)
        settings.QUIRE_DNS_NAMESERVERS = ["127.0.0.1"]
        settings.QUIRE_DNS_PORT = server.port
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def pro_tenant(tenant):
    """`tenant` on the Pro plan (custom domains need it)."""
    plan_set(tenant, "pro")
    return tenant
