"""The owner invites people by email with a role; they join through the emailed link."""

import re

import pytest
from django.core import mail

from shared.accounts.models import Invitation, Membership
from tests.blog.conftest import login
from tests.conftest import add_member, host_client, plan_set
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _on_a_plan_with_seats(tenant):
    """The Free plan has one seat (the owner); these tests are about inviting people."""
    plan_set(tenant, "business")


def _invite(owner_client, email: str, role: str, capture) -> str:
    with capture(execute=True):  # the email goes out after commit
        response = owner_client.post("/dashboard/members/", {"email": email, "role": role})
    assert response.status_code == 302, response.content[:1000]
    message = mail.outbox[-1]
    assert message.to == [email.lower()] and role in message.body
    return re.search(r"http://alpha\.localhost(/dashboard/join/\S+/)", message.body).group(1)


def test_a_new_person_joins_with_a_password(
    tenant, owner_client, password, django_capture_on_commit_callbacks
):
    link = _invite(
        owner_client, "New.Writer@Example.org", "author", django_capture_on_commit_callbacks
    )
    newcomer = host_client(tenant)
    page = newcomer.get(link)
    assert b"new.writer@example.org" in page.content
    assert newcomer.post(link, {"password": "short"}).status_code == 200  # validators apply
    response = newcomer.post(link, {"password": password})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert (
        Membership.objects.get(user__email="new.writer@example.org", tenant=tenant).role == "author"
    )
    assert newcomer.get("/dashboard/").status_code == 200
    assert host_client(tenant).get(link).status_code == 400  # works once


def test_an_existing_user_logs_in_then_joins(
    tenant, owner_client, password, django_capture_on_commit_callbacks
):
    someone = UserFactory()
    link = _invite(owner_client, someone.email, "editor", django_capture_on_commit_callbacks)
    anonymous = host_client(tenant)
    assert "/accounts/login/" in anonymous.get(link)["Location"]
    client = login(tenant, someone, password)
    assert client.get(link)["Location"] == "/dashboard/"
    assert Membership.objects.get(user=someone, tenant=tenant).role == "editor"


def test_invitations_are_bound_to_their_address_and_blog(
    tenant, other_tenant, owner_client, password, django_capture_on_commit_callbacks
):
    link = _invite(
        owner_client, "invited@example.org", "editor", django_capture_on_commit_callbacks
    )
    assert host_client(other_tenant).get(link).status_code == 400  # another blog's host
    intruder = UserFactory()
    client = login(tenant, intruder, password)
    response = client.get(link)
    assert response.status_code == 403 and b"invited@example.org" in response.content
    assert not Membership.objects.filter(user=intruder, tenant=tenant).exists()
    assert host_client(tenant).get(link[:-3] + "xx/").status_code == 400  # tampered


def test_only_owners_manage_members(tenant, member_client, password):
    for role in ("editor", "author"):
        client, _ = member_client(role)
        assert client.get("/dashboard/members/").status_code == 403
        response = client.post("/dashboard/members/", {"email": "x@example.org", "role": "owner"})
        assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_owner_removes_members_and_withdraws_invitations_but_keeps_an_owner(tenant, owner_client):
    editor = add_member(tenant, "editor")
    membership = Membership.objects.get(user=editor, tenant=tenant)
    owner_client.post(f"/dashboard/members/{membership.id}/remove/")
    assert not Membership.objects.filter(id=membership.id).exists()
    owner_client.post("/dashboard/members/", {"email": "later@example.org", "role": "author"})
    invitation = Invitation.objects.get()
    owner_client.post(f"/dashboard/members/invitations/{invitation.id}/revoke/")
    assert not Invitation.objects.exists()
    own = Membership.objects.get(user=tenant.owner, tenant=tenant)
    response = owner_client.post(f"/dashboard/members/{own.id}/remove/")
    assert b"A blog needs an owner" in response.content
    response = owner_client.post(
        "/dashboard/members/", {"email": tenant.owner.email, "role": "author"}
    )
    assert b"already a member" in response.content


def test_owner_changes_roles_but_keeps_an_owner(tenant, owner_client, password):
    author = add_member(tenant, "author")
    membership = Membership.objects.get(user=author, tenant=tenant)
    owner_client.post(f"/dashboard/members/{membership.id}/role/", {"role": "editor"})
    assert Membership.objects.get(id=membership.id).role == "editor"
    own = Membership.objects.get(user=tenant.owner, tenant=tenant)
    response = owner_client.post(f"/dashboard/members/{own.id}/role/", {"role": "author"})
    assert b"A blog needs an owner" in response.content
    assert Membership.objects.get(id=own.id).role == "owner"
    editor = login(tenant, author, password)
    response = editor.post(f"/dashboard/members/{own.id}/role/", {"role": "author"})
    assert response.status_code == 403
