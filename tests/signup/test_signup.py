"""Signup through allauth: one form makes the account and its first blog; the verification
mail carries the blog's link; an existing address is never revealed."""

import re
import threading

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection, connections, transaction

from shared.accounts import services as account_services
from shared.accounts.models import HandoffToken, Membership, User
from shared.billing.models import Subscription
from signup import services as signup_services
from tenants.models import Domain, Tenant
from tenants.services import SubdomainTaken
from tests.conftest import host_client
from tests.factories import PASSWORD, UserFactory

SIGNUP = "/accounts/signup/"


def signup_data(**overrides):
    data = {
        "blog_name": "Acme Notes",
        "subdomain": "acme",
        "email": "ann@example.org",
        "password1": PASSWORD,
    }
    return data | overrides


def blog_schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%%' "
            "AND nspname <> 't_template'"
        )
        return {row[0] for row in cursor.fetchall()}


def link_in(message, pattern: str) -> str:
    found = re.search(pattern + r"\S*", message.body)
    assert found, message.body
    return found.group(0)


def test_the_old_signup_address_leads_to_the_signup_form(root_client, db):
    assert root_client.get("/signup/")["Location"] == SIGNUP
    page = root_client.get(SIGNUP)
    assert page.status_code == 200
    body = page.content.decode()
    for name in ("blog_name", "subdomain", "email", "password1"):
        assert f'name="{name}"' in body


def test_signup_makes_the_blog_mails_its_link_and_the_confirmation_logs_in(root_client, db):
    response = root_client.post(SIGNUP, signup_data(subdomain="Acme"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "Check your inbox" in root_client.get(response["Location"]).content.decode()

    tenant = Tenant.objects.get(subdomain="acme")
    assert tenant.name == "Acme Notes"
    assert tenant.schema_name.startswith("t_") and "acme" not in tenant.schema_name
    assert Domain.objects.filter(tenant=tenant, domain="acme.localhost").exists()
    owner = User.objects.get(email="ann@example.org")
    assert Membership.objects.get(tenant=tenant, user=owner).role == "owner"
    assert tenant.schema_name in blog_schemas()
    subscription = Subscription.objects.get(tenant=tenant)  # new blogs start on Free
    assert (subscription.plan.code, subscription.status) == ("free", "active")
    assert not EmailAddress.objects.get(user=owner).verified
    assert root_client.get("/blogs/").status_code == 302  # not logged in before confirming

    (message,) = mail.outbox
    assert message.to == ["ann@example.org"]
    assert message.subject == "[Quire] Confirm your email address"
    assert "http://acme.localhost/" in message.body and "Acme Notes" in message.body
    assert "Hello from" not in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html" and "http://acme.localhost/" in html
    confirm = link_in(message, "http://localhost/accounts/confirm-email/")

    path = confirm.removeprefix("http://localhost")
    assert root_client.get(path).status_code == 200
    confirmed = root_client.post(path)
    assert confirmed.status_code == 302 and confirmed["Location"] == "/blogs/acme/open/"
    assert EmailAddress.objects.get(user=owner).verified
    handoff = root_client.get(confirmed["Location"])["Location"]
    blog = host_client("acme.localhost")
    assert blog.get(handoff.removeprefix("http://acme.localhost"))["Location"] == "/dashboard/"
    dashboard = blog.get("/dashboard/")
    assert dashboard.status_code == 200 and b"ann@example.org" in dashboard.content


def test_an_address_with_an_account_gets_the_same_answer_and_a_mail(root_client, db):
    UserFactory(email="taken@example.org")
    new_client = host_client("localhost")
    new = new_client.post(SIGNUP, signup_data(email="fresh@example.org"))
    taken = root_client.post(SIGNUP, signup_data(email="taken@example.org", subdomain="other"))
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    taken_page = root_client.get(taken["Location"]).content.decode()
    new_page = new_client.get(new["Location"]).content.decode()
    assert taken_page.replace("taken@", "fresh@") == new_page

    assert not Tenant.objects.filter(subdomain="other").exists()
    assert User.objects.filter(email="taken@example.org").count() == 1
    already = [m for m in mail.outbox if m.to == ["taken@example.org"]]
    assert len(already) == 1
    assert "already has an account" in already[0].body
    assert "http://localhost/accounts/password/reset/" in already[0].body


def test_login_and_password_reset_do_not_tell_who_has_an_account(root_client, db):
    UserFactory(email="known@example.org")
    known = root_client.post("/accounts/login/", {"login": "known@example.org", "password": "x"})
    unknown = root_client.post("/accounts/login/", {"login": "nobody@example.org", "password": "x"})
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors

    mail.outbox.clear()
    reset_known = root_client.post("/accounts/password/reset/", {"email": "known@example.org"})
    reset_unknown = root_client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert reset_known.status_code == reset_unknown.status_code == 302
    assert reset_known["Location"] == reset_unknown["Location"]
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "/accounts/password/reset/key/" in by_address["known@example.org"].body
    assert "no account with this address" in by_address["nobody@example.org"].body


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
    response = root_client.post(SIGNUP, signup_data(subdomain=subdomain))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Tenant.objects.exists()
    assert not User.objects.exists()


def test_taken_subdomain_is_refused(root_client, make_blog):
    make_blog("acme")
    response = root_client.post(SIGNUP, signup_data(email="other@example.org"))
    assert response.status_code == 200
    assert "already taken" in response.content.decode()
    assert Tenant.objects.count() == 1
    assert not User.objects.filter(email="other@example.org").exists()


def test_bad_password_and_email_keep_what_was_typed(root_client, db):
    response = root_client.post(
        SIGNUP, signup_data(password1="123", email="not-an-email", blog_name="Keep me")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address" in body
    assert 'value="Keep me"' in body
    assert not Tenant.objects.exists()


def test_a_signup_that_fails_midway_leaves_nothing(root_client, db):
    # Take the template away: provisioning fails after the user row was written.
    with connection.cursor() as cursor:
        cursor.execute("ALTER SCHEMA t_template RENAME TO t_template_away")
    try:
        with pytest.raises(RuntimeError, match="ensure_template"):
            root_client.post(SIGNUP, signup_data(email="h@example.org", subdomain="halfway"))
        assert not User.objects.filter(email="h@example.org").exists()
        assert not EmailAddress.objects.filter(email="h@example.org").exists()
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
            with transaction.atomic():  # as SignupView does: account and blog together
                owner = account_services.user_create(
                    email=f"racer{n}@example.org", password=PASSWORD
                )
                signup_services.signup_blog_create(
                    owner=owner, name=f"Racer {n}", subdomain="racecar"
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
