"""The account itself: an unconfirmed owner writes but does not publish or invite; email
change with re-verification; password change; account deletion and what it does to blogs."""

import re

import html5lib
import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from blog.models import Post
from shared.accounts.models import Membership, User
from tenants.context import tenant_context
from tenants.models import Tenant
from tests.conftest import add_member, host_client
from tests.factories import PASSWORD, UserFactory
from tests.support.logins import root_login

pytestmark = pytest.mark.django_db


def blog_login(tenant, user):
    client = host_client(tenant)
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def reauthenticated(client):
    """Deleting an account asks for the password again (allauth's reauthentication)."""
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def confirm_link(message) -> str:
    found = re.search(r"http://[^/\s]+(/accounts/confirm-email/\S+)", message.body)
    assert found, message.body
    return found.group(1)


def test_an_unconfirmed_owner_writes_but_cannot_publish_or_invite(make_blog):
    owner = UserFactory(email_verified=False)
    tenant = make_blog("alpha", owner=owner)
    client = blog_login(tenant, owner)

    dashboard = client.get("/dashboard/").content.decode()
    notice = html5lib.parse(dashboard, namespaceHTMLElements=False).find(
        ".//div[@id='email-unverified']"
    )
    assert notice is not None and "Confirm your email address" in "".join(notice.itertext())
    assert notice.find(".//button[@name='action_send']") is not None

    draft = client.post("/dashboard/posts/new/", {"title": "Draft", "body": "wip"})
    assert draft.status_code == 302
    refused = client.post("/dashboard/posts/new/", {"title": "Live", "body": "x", "publish": "1"})
    assert refused.status_code == 200 and "Confirm your email address" in refused.content.decode()
    invite = client.post("/dashboard/members/", {"email": "x@example.org", "role": "author"})
    assert "Confirm your email address" in invite.content.decode()
    with tenant_context(tenant):
        assert list(Post.objects.values_list("title", "status")) == [("Draft", "draft")]

    # Send the link again from the dashboard, confirm it, publish.
    mail.outbox.clear()
    resent = client.post("/accounts/email/", {"email": owner.email, "action_send": ""})
    assert resent.status_code == 302
    (message,) = mail.outbox
    assert "http://alpha.localhost/accounts/confirm-email/" in message.body
    assert message.subject == "[Alpha] Confirm your email address"
    assert client.post(confirm_link(message)).status_code == 302
    assert "email-unverified" not in client.get("/dashboard/").content.decode()
    live = client.post("/dashboard/posts/new/", {"title": "Live", "body": "x", "publish": "1"})
    assert live.status_code == 302
    with tenant_context(tenant):
        assert Post.objects.get(title="Live").status == "published"


def test_the_unconfirmed_rule_is_per_blog(make_blog):
    unconfirmed, confirmed = UserFactory(email_verified=False), UserFactory()
    alpha = make_blog("alpha", owner=unconfirmed)
    bravo = make_blog("bravo", owner=confirmed)
    # Another blog's confirmed owner changes nothing for alpha, and vice versa.
    a = blog_login(alpha, unconfirmed)
    assert (
        "Confirm your email"
        in a.post(
            "/dashboard/posts/new/", {"title": "A", "body": "x", "publish": "1"}
        ).content.decode()
    )
    b = blog_login(bravo, confirmed)
    assert (
        b.post("/dashboard/posts/new/", {"title": "B", "body": "x", "publish": "1"}).status_code
        == 302
    )


def test_changing_the_email_needs_the_new_address_confirmed(make_blog):
    person = UserFactory(email="old@example.org")
    make_blog("alpha", owner=person)
    root = root_login(person)
    mail.outbox.clear()
    response = root.post("/accounts/email/", {"email": "new@example.org", "action_add": ""})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.email == "old@example.org"  # until the new one is confirmed
    (message,) = mail.outbox
    assert message.to == ["new@example.org"]
    assert root.post(confirm_link(message)).status_code == 302
    person.refresh_from_db()
    assert person.email == "new@example.org"
    assert EmailAddress.objects.get(user=person).email == "new@example.org"
    assert EmailAddress.objects.get(user=person).verified


def test_password_change_keeps_this_session_and_ends_the_others(make_blog):
    person = UserFactory()
    tenant = make_blog("alpha", owner=person)
    root = root_login(person)
    elsewhere = blog_login(tenant, person)
    response = root.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a new long passphrase",
            "password2": "a new long passphrase",
        },
    )
    assert response.status_code == 302
    assert root.get("/blogs/").status_code == 200
    assert elsewhere.get("/dashboard/").status_code == 302
    assert User.objects.get(pk=person.pk).check_password("a new long passphrase")


def test_deleting_an_account_says_and_does_what_happens_to_each_blog(make_blog):
    person, partner = UserFactory(), UserFactory()
    solo = make_blog("solo", owner=person)
    shared = make_blog("shared", owner=person)
    add_member(shared, "owner", partner)
    theirs = make_blog("theirs", owner=partner)
    add_member(theirs, "author", person)
    root = root_login(person)
    assert root.get("/accounts/delete/")["Location"].startswith("/accounts/reauthenticate/")
    reauthenticated(root)

    page = root.get("/accounts/delete/").content.decode()
    assert "is deleted with it" in page and "Solo" in page
    assert page.count("stays: you leave it") == 2
    assert root.post("/accounts/delete/", {"confirm": "delete"}).status_code == 302

    assert not User.objects.filter(pk=person.pk).exists()
    assert Tenant.objects.get(pk=solo.pk).status == Tenant.Status.DELETED
    assert Tenant.objects.get(pk=shared.pk).status == Tenant.Status.ACTIVE
    assert Membership.objects.filter(tenant=shared).count() == 1
    assert Tenant.objects.get(pk=theirs.pk).status == Tenant.Status.ACTIVE


def test_deleting_is_refused_while_the_only_owner_of_a_blog_with_members(make_blog):
    person = UserFactory()
    tenant = make_blog("alpha", owner=person)
    add_member(tenant, "editor")
    root = reauthenticated(root_login(person))
    page = root.get("/accounts/delete/").content.decode()
    assert "blocks the deletion" in page and 'name="confirm"' not in page
    refused = root.post("/accounts/delete/", {"confirm": "delete"})
    assert refused.status_code == 409 and "make one of them owner" in refused.content.decode()
    assert User.objects.filter(pk=person.pk).exists()
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.ACTIVE


def test_another_persons_account_is_never_deleted(make_blog):
    person, other = UserFactory(), UserFactory()
    make_blog("alpha", owner=other)
    reauthenticated(root_login(person)).post(
        "/accounts/delete/", {"confirm": "delete", "user": other.pk}
    )
    assert User.objects.filter(pk=other.pk).exists()
    assert not User.objects.filter(pk=person.pk).exists()


def test_the_resend_button_works_after_a_hand_off_login(make_blog):
    owner = UserFactory(email_verified=False)
    make_blog("alpha", owner=owner)
    root = root_login(owner)
    handoff = root.get("/blogs/alpha/open/")["Location"].removeprefix("http://alpha.localhost")
    blog = host_client("alpha.localhost")
    assert blog.get(handoff).status_code == 302
    mail.outbox.clear()
    resent = blog.post("/accounts/email/", {"email": owner.email, "action_send": ""})
    assert resent.status_code == 302 and "reauthenticate" not in resent["Location"]
    (message,) = mail.outbox
    assert message.to == [owner.email]


def test_an_editor_is_told_why_publishing_waits_for_the_owner(make_blog):
    owner = UserFactory(email_verified=False)
    tenant = make_blog("alpha", owner=owner)
    editor = add_member(tenant, "editor")
    client = blog_login(tenant, editor)
    page = client.get("/dashboard/").content.decode()
    assert "owner has not confirmed their email address" in page
    refused = client.post("/dashboard/posts/new/", {"title": "Live", "body": "x", "publish": "1"})
    assert "Confirm your email address" in refused.content.decode()
