import threading

import pytest
from django.db import connection, connections

from shared.accounts.models import HandoffToken, Membership, User
from shared.billing.models import Subscription
from shared.signup import services as signup_services
from tenants.models import Domain, Tenant
from tenants.services import SubdomainTaken
from tests.conftest import host_client
from tests.factories import PASSWORD


def signup_data(**overrides):
    data = {
        "blog_name": "Acme Notes",
        "subdomain": "acme",
        "email": "ann@example.org",
        "password": PASSWORD,
    }
    return data | overrides


def blog_schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%%' "
            "AND nspname <> 't_template'"
        )
        return {row[0] for row in cursor.fetchall()}


def test_signup_makes_a_live_blog_and_logs_in_on_its_host(root_client, db):
    response = root_client.post("/signup/", signup_data(subdomain="Acme"))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("http://acme.localhost/accounts/handoff/?token=")

    tenant = Tenant.objects.get(subdomain="acme")
    assert tenant.name == "Acme Notes"
    assert tenant.schema_name.startswith("t_") and "acme" not in tenant.schema_name
    assert Domain.objects.filter(tenant=tenant, domain="acme.localhost").exists()
    owner = User.objects.get(email="ann@example.org")
    assert Membership.objects.get(tenant=tenant, user=owner).role == "owner"
    assert tenant.schema_name in blog_schemas()
    subscription = Subscription.objects.get(tenant=tenant)  # new blogs start on Free
    assert (subscription.plan.code, subscription.status) == ("free", "active")

    blog = host_client("acme.localhost")
    landed = blog.get(location.removeprefix("http://acme.localhost"))
    assert landed.status_code == 302 and landed["Location"] == "/dashboard/"
    dashboard = blog.get("/dashboard/")
    assert dashboard.status_code == 200
    assert b"ann@example.org" in dashboard.content
    assert blog.get("/").status_code == 200


@pytest.mark.parametrize(
    ("subdomain", "message"),
    [
        ("ab", "too short"),
        ("a" * 41, "too long"),
        ("acme_blog", "lowercase letters"),
        ("-acme", "cannot start or end with a hyphen"),
        ("acme-", "cannot start or end with a hyphen"),
        ("xn--acme", "xn--"),
        ("support", "reserved"),
        ("demo", "reserved"),
    ],
)
def test_each_subdomain_rule_shows_its_message_and_creates_nothing(
    root_client, db, subdomain, message
):
    response = root_client.post("/signup/", signup_data(subdomain=subdomain))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Tenant.objects.exists()
    assert not User.objects.exists()


def test_taken_subdomain_is_refused(root_client, make_blog):
    make_blog("acme")
    response = root_client.post("/signup/", signup_data(email="other@example.org"))
    assert response.status_code == 200
    assert "already taken" in response.content.decode()
    assert Tenant.objects.count() == 1
    assert not User.objects.filter(email="other@example.org").exists()


def test_bad_password_and_email_keep_what_was_typed(root_client, db):
    response = root_client.post(
        "/signup/", signup_data(password="123", email="not-an-email", blog_name="Keep me")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address" in body
    assert 'value="Keep me"' in body
    assert not Tenant.objects.exists()


def test_a_signup_that_fails_midway_leaves_nothing(db):
    # Take the template away: provisioning fails after the user row was written.
    with connection.cursor() as cursor:
        cursor.execute("ALTER SCHEMA t_template RENAME TO t_template_away")
    try:
        with pytest.raises(RuntimeError, match="ensure_template"):
            signup_services.signup_create_blog(
                blog_name="X", subdomain="halfway", email="h@example.org", password=PASSWORD
            )
        assert not User.objects.filter(email="h@example.org").exists()
        assert not Tenant.objects.filter(subdomain="halfway").exists()
        assert blog_schemas() == {"t_template_away"}
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER SCHEMA t_template_away RENAME TO t_template")


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_signups_for_one_subdomain_make_exactly_one_blog():
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        try:
            barrier.wait()
            signup_services.signup_create_blog(
                blog_name=f"Racer {n}",
                subdomain="racecar",
                email=f"racer{n}@example.org",
                password=PASSWORD,
            )
            outcome = "created"
        except SubdomainTaken:
            outcome = "taken"
        except Exception as exc:  # any other outcome fails the test below
            outcome = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created"] + ["taken"] * 19
    tenant = Tenant.objects.get(subdomain="racecar")
    assert blog_schemas() == {tenant.schema_name}
    assert Domain.objects.count() == 1
    assert Membership.objects.count() == 1
    assert User.objects.count() == 1  # the losers' accounts were rolled back with them
    assert Subscription.objects.count() == 1
    assert not HandoffToken.objects.exists()
