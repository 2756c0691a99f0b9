"""Every role's allowed and forbidden actions, enforced on the server."""

import pytest

from blog.models import BlogSettings, Post
from tenants.context import tenant_context
from tests.blog.conftest import write
from tests.conftest import add_member, host_client

SETTINGS = {"title": "Renamed", "language": "english", "theme": "light", "accent": "#123456",
            "posts_per_page": 10}  # fmt: skip


def _exists(tenant, **filters) -> bool:
    with tenant_context(tenant):
        return Post.objects.filter(**filters).exists()


@pytest.mark.parametrize("role", ["owner", "editor", "author"])
def test_every_member_writes_and_publishes_their_own_posts(tenant, member_client, role):
    client, user = member_client(role)
    response = client.post("/dashboard/posts/new/", {"title": f"By {role}", "publish": ""})
    assert response.status_code == 302
    assert _exists(tenant, title=f"By {role}", status="published", author_id=user.id)
    post = write(tenant, f"Own {role}", author=user, action="save")
    assert (
        client.post(f"/dashboard/posts/{post.id}/", {"title": "Edited", "publish": ""}).status_code
        == 302
    )
    assert client.post(f"/dashboard/posts/{post.id}/delete/").status_code == 302
    assert not _exists(tenant, id=post.id)


@pytest.mark.parametrize(
    ("role", "allowed"), [("owner", True), ("editor", True), ("author", False)]
)
def test_others_posts_pages_and_tags(tenant, member_client, role, allowed):
    someone = add_member(tenant, "author")
    theirs = write(tenant, "Theirs", author=someone, tags="old")
    client, _ = member_client(role)
    expected = 302 if allowed else 403
    assert client.get(f"/dashboard/posts/{theirs.id}/").status_code == (200 if allowed else 403)
    response = client.post(
        f"/dashboard/posts/{theirs.id}/", {"title": "Changed", "tags": "old", "unpublish": ""}
    )
    assert response.status_code == expected
    assert _exists(tenant, id=theirs.id, title="Changed") is allowed
    assert (
        client.post("/dashboard/pages/new/", {"title": "Now", "publish": ""}).status_code
        == expected
    )
    assert _exists(tenant, slug="now", kind="page") is allowed
    response = client.post("/dashboard/tags/", {"sources": "old", "target": "new"})
    assert response.status_code == (200 if allowed else 403)
    assert _exists(tenant, id=theirs.id, tags__contains=["new"]) is allowed
    assert client.post(f"/dashboard/posts/{theirs.id}/delete/").status_code == expected
    assert _exists(tenant, id=theirs.id) is not allowed
    listed = client.get("/dashboard/").content
    assert (b"New page" in listed) is allowed


@pytest.mark.parametrize(
    ("role", "allowed"), [("owner", True), ("editor", False), ("author", False)]
)
def test_only_the_owner_changes_settings(tenant, member_client, role, allowed):
    client, _ = member_client(role)
    assert client.get("/dashboard/settings/").status_code == (200 if allowed else 403)
    response = client.post("/dashboard/settings/", SETTINGS)
    assert response.status_code == (302 if allowed else 403)
    with tenant_context(tenant):
        assert BlogSettings.objects.filter(title="Renamed").exists() is allowed


def test_strangers_and_anonymous_get_nothing(tenant, password):
    post = write(tenant, "Mine")
    anonymous = host_client(tenant)
    for path in ("/dashboard/", "/dashboard/posts/new/", f"/dashboard/posts/{post.id}/",
                 f"/dashboard/posts/{post.id}/delete/", "/dashboard/settings/", "/dashboard/tags/",
                 "/dashboard/pages/new/"):  # fmt: skip
        response = anonymous.post(path, {"title": "x"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    from tests.factories import UserFactory

    stranger = UserFactory()
    client = host_client(tenant)
    assert client.login(email=stranger.email, password=password)
    assert client.post(f"/dashboard/posts/{post.id}/delete/").status_code == 403
    assert client.post("/dashboard/settings/", SETTINGS).status_code == 403
    assert _exists(tenant, id=post.id)
