import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from blog.models import Post
from shared.accounts.models import Membership, User
from tenants.context import tenant_context
from tenants.models import Tenant
from tests.conftest import host_client


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_blog_makes_owner_and_prints_a_working_reset_link(db):
    out = run("create_blog", "Acme", "--name", "Acme Co", "--owner", "Boss@Example.org")
    tenant = Tenant.objects.get(subdomain="acme")
    owner = User.objects.get(email="boss@example.org")
    assert not owner.has_usable_password()
    assert Membership.objects.get(tenant=tenant).user == owner
    assert "http://acme.localhost/" in out

    link = re.search(r"Set its password here: (\S+)", out).group(1)
    path = link.removeprefix("http://acme.localhost")
    client = host_client(tenant)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert b"password1" in response.content  # allauth's "set a new password" form


def test_create_blog_reuses_an_existing_account(user):
    out = run("create_blog", "second", "--name", "Second", "--owner", user.email)
    assert "Set its password" not in out
    assert Membership.objects.get(tenant__subdomain="second").user == user


def test_create_blog_may_use_reserved_names_but_not_bad_or_taken_ones(db):
    run("create_blog", "help", "--name", "Help", "--owner", "a@example.org")
    with pytest.raises(CommandError, match="lowercase letters"):
        run("create_blog", "bad_name", "--name", "Bad", "--owner", "a@example.org")
    with pytest.raises(CommandError, match="already taken"):
        run("create_blog", "help", "--name", "Again", "--owner", "b@example.org")
    assert not User.objects.filter(email="b@example.org").exists()


def test_seed_demo_is_idempotent(db):
    first = run("seed_demo")
    run("seed_demo")
    password = re.search(r"staff login: \S+ / (\S+)", first).group(1)
    demo = Tenant.objects.get(subdomain="demo")
    with tenant_context(demo):
        assert Post.objects.filter(status="published").count() == 3
    staff = User.objects.get(email="admin@quire.localhost")
    assert staff.is_staff and staff.check_password(password)
