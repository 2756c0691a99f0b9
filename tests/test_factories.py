"""The factories of tests/factories.py make real rows, through the services, in the right
blog's schema, and what they make for one blog is not seen from another."""

import pytest
from django.db import connection

from audience.models import Subscriber
from blog.models import Post, PostRevision
from lib.urls import blog_host
from shared.accounts.models import Membership
from tenants.context import tenant_context
from tenants.models import Domain, Tenant
from tests.factories import (
    BlogFactory,
    MemberFactory,
    PostFactory,
    SubscriberFactory,
    UserFactory,
    blog_make,
    member_make,
)

pytestmark = pytest.mark.django_db


def schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def test_blog_factory_provisions_a_live_blog():
    owner = UserFactory()
    blog = BlogFactory(subdomain="charlie", owner=owner)

    assert Tenant.objects.get(subdomain="charlie").pk == blog.pk
    assert blog.name == "Charlie"
    assert blog.owner == owner
    assert schema_exists(blog.schema_name)
    assert Domain.objects.get(tenant=blog, is_primary=True).domain == blog_host("charlie")
    membership = Membership.objects.get(tenant=blog)
    assert (membership.user, membership.role) == (owner, Membership.Role.OWNER)
    with tenant_context(blog):  # its schema has the blog's tables, empty
        assert Post.objects.count() == 0


def test_blog_make_gives_each_blog_its_own_schema_and_owner():
    first, second = blog_make(), blog_make("delta")

    assert second.subdomain == "delta"
    assert first.subdomain != second.subdomain
    assert first.schema_name != second.schema_name
    assert first.owner != second.owner
    assert schema_exists(first.schema_name) and schema_exists(second.schema_name)


def test_member_factories_add_memberships_with_their_role(tenant):
    editor = member_make(tenant, role=Membership.Role.EDITOR)
    author = MemberFactory(tenant=tenant)
    user = UserFactory()
    given = member_make(tenant, user=user)

    assert editor.role == Membership.Role.EDITOR
    assert author.role == Membership.Role.AUTHOR
    assert given.user == user
    roles = dict(Membership.objects.filter(tenant=tenant).values_list("user_id", "role"))
    assert roles == {
        tenant.owner.id: Membership.Role.OWNER,
        editor.user_id: Membership.Role.EDITOR,
        author.user_id: Membership.Role.AUTHOR,
        user.id: Membership.Role.AUTHOR,
    }


def test_post_factory_goes_through_the_post_service(tenant):
    with tenant_context(tenant):
        post = PostFactory(title="Hello world", body="Some *text* here.")
        draft = PostFactory(action="save", author=member_make(tenant).user)
        stored = Post.objects.get(pk=post.pk)

    assert stored.slug == "hello-world"
    assert stored.author_id == tenant.owner.id
    assert stored.status == Post.Status.PUBLISHED and stored.published_at is not None
    assert "<em>text</em>" in stored.body_html
    assert stored.summary == "Some text here."
    assert draft.status == Post.Status.DRAFT and draft.published_at is None
    assert draft.author_id != tenant.owner.id


def test_post_factory_takes_the_blog_from_outside_its_schema(tenant):
    post = PostFactory(tenant=tenant, recorded=True)

    assert connection.schema_name == "public"  # left as it was
    with tenant_context(tenant):
        assert Post.objects.filter(pk=post.pk, title=post.title).exists()
        assert PostRevision.objects.filter(post_id=post.pk).count() == 1


def test_blog_rows_need_a_blog(db):
    with pytest.raises(ValueError, match="no blog's schema is current"):
        PostFactory(author=UserFactory())
    with pytest.raises(ValueError, match="no blog's schema is current"):
        SubscriberFactory()


def test_subscriber_factory_follows_the_status(tenant):
    with tenant_context(tenant):
        confirmed = SubscriberFactory(email="Reader@Example.ORG")
        pending = SubscriberFactory(status=Subscriber.Status.PENDING)
    gone = SubscriberFactory(tenant=tenant, status=Subscriber.Status.UNSUBSCRIBED)

    with tenant_context(tenant):
        stored = {s.pk: s for s in Subscriber.objects.all()}
    assert set(stored) == {confirmed.pk, pending.pk, gone.pk}
    assert stored[confirmed.pk].email == "reader@example.org"
    assert stored[confirmed.pk].status == Subscriber.Status.CONFIRMED
    assert stored[confirmed.pk].confirmed_at is not None
    assert stored[pending.pk].confirmed_at is None
    assert stored[pending.pk].confirm_sent_at is not None
    assert stored[gone.pk].ended_at is not None


def test_one_blogs_data_is_not_seen_from_another(tenant, other_tenant):
    post = PostFactory(tenant=tenant, title="Only in alpha")
    SubscriberFactory(tenant=tenant, email="shared@example.org")
    with tenant_context(other_tenant):
        other_post = PostFactory(title="Only in bravo")

    with tenant_context(other_tenant):
        assert list(Post.objects.values_list("title", flat=True)) == ["Only in bravo"]
        assert not Post.objects.filter(slug=post.slug).exists()
        assert not Subscriber.objects.exists()
        # Each blog has its own list: the same address may subscribe to both.
        SubscriberFactory(email="shared@example.org")
        assert Subscriber.objects.count() == 1
    with tenant_context(tenant):
        assert list(Post.objects.values_list("title", flat=True)) == ["Only in alpha"]
        assert not Post.objects.filter(slug=other_post.slug).exists()
        assert list(Subscriber.objects.values_list("email", flat=True)) == ["shared@example.org"]
    assert Membership.objects.get(tenant=other_tenant).user == other_tenant.owner
