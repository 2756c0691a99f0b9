"""Test data made the way the product makes it: blogs through the provisioning service, posts
through the post service, memberships through the accounts service. Nothing is mocked.

Blog-schema rows (posts, subscribers) are written in the schema of the `tenant` given, or of
the blog whose schema is current (`tenants.context.tenant_context`); the public schema has no
such tables, so asking for one there is an error that says so.
"""

import factory
from allauth.account.models import EmailAddress
from django.db import connection
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from audience.models import Subscriber
from blog.models import Post
from blog.services.posts import post_create
from blog.services.revisions import post_create_recorded
from shared.accounts import services as account_services
from shared.accounts.models import Membership, User
from tenants import services as tenant_services
from tenants.context import tenant_context
from tenants.models import Tenant

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def email_verified(obj, create, extracted, **kwargs):
        """Factory users have a confirmed address unless `email_verified=False`."""
        if create:
            EmailAddress.objects.update_or_create(
                user=obj,
                email=obj.email,
                defaults={"primary": True, "verified": extracted is not False},
            )


def _current_blog() -> Tenant:
    """The blog whose schema is current; an error in the public schema."""
    schema = connection.schema_name
    if schema == get_public_schema_name():
        raise ValueError(
            "no blog's schema is current: pass tenant=..., or work inside tenant_context(tenant)"
        )
    current = getattr(connection, "tenant", None)
    if isinstance(current, Tenant) and current.schema_name == schema:
        return current
    return Tenant.objects.get(schema_name=schema)


def _blog_owner(tenant: Tenant) -> User:
    """The blog's owner (`tenant.owner` when a factory or fixture set it)."""
    owner = getattr(tenant, "owner", None)
    if owner is not None:
        return owner
    return User.objects.get(
        memberships__tenant_id=tenant.id, memberships__role=Membership.Role.OWNER
    )


class _ServiceFactory(factory.Factory):
    """A factory whose rows only come from a service: `.build()` would skip it, so it refuses."""

    class Meta:
        abstract = True

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError(f"{cls.__name__} only creates (through the service): call it, not .build()")


class BlogFactory(_ServiceFactory):
    """A live blog (Tenant) from `tenant_provision`: schema, domain, Free plan and an owner
    membership. `BlogFactory(subdomain="alpha", owner=user)`; the owner is a new user by
    default and is kept on the instance as `tenant.owner` (as the `make_blog` fixture does)."""

    class Meta:
        model = Tenant

    subdomain = factory.Sequence(lambda n: f"blog{n}")
    name = factory.LazyAttribute(lambda o: o.subdomain.title())
    owner = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *, subdomain, name, owner, **kwargs):
        tenant = tenant_services.tenant_provision(
            subdomain=subdomain, name=name, owner=owner, **kwargs
        )
        tenant.owner = owner
        return tenant


def blog_make(subdomain: str | None = None, owner: User | None = None, **kwargs) -> Tenant:
    """`BlogFactory` as a function: `blog_make("alpha")`, `blog_make(owner=user)`."""
    if subdomain is not None:
        kwargs["subdomain"] = subdomain
    if owner is not None:
        kwargs["owner"] = owner
    return BlogFactory(**kwargs)


class MemberFactory(_ServiceFactory):
    """A Membership made with `membership_create` (the member_added signal fires as in the
    product). `MemberFactory(tenant=blog, role=Membership.Role.EDITOR)`; a new user and the
    author role by default. The blog defaults to a new one: pass `tenant` to save the schema."""

    class Meta:
        model = Membership

    tenant = factory.SubFactory(BlogFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.AUTHOR

    @classmethod
    def _create(cls, model_class, *, tenant, user, role):
        return account_services.membership_create(user=user, tenant_id=tenant.id, role=role)


def member_make(tenant: Tenant, user: User | None = None, role: str = Membership.Role.AUTHOR):
    """`MemberFactory` as a function: the Membership of `user` (a new one by default)."""
    kwargs = {"tenant": tenant, "role": role}
    if user is not None:
        kwargs["user"] = user
    return MemberFactory(**kwargs)


class PostFactory(_ServiceFactory):
    """A post made with the real service (`post_create`), so slug, body_html and summary are
    what the product makes; in `tenant`'s schema (default: the blog whose schema is current),
    written by `author` (default: the blog's owner). Published by default (`action="save"`
    for a draft, `kind=Post.Kind.PAGE` for a page); other keyword arguments go to the service.
    `recorded=True` goes through `post_create_recorded` (a first revision, as the dashboard)."""

    class Meta:
        model = Post

    tenant = factory.LazyFunction(_current_blog)
    author = factory.LazyAttribute(lambda o: _blog_owner(o.tenant))
    title = factory.Sequence(lambda n: f"Post number {n}")
    body = factory.LazyAttribute(lambda o: f"The body of *{o.title}*.")
    action = "publish"
    recorded = False

    @classmethod
    def _create(cls, model_class, *, tenant, author, recorded, **fields):
        create = post_create_recorded if recorded else post_create
        with tenant_context(tenant):
            return create(tenant=tenant, author=author, **fields)


def _subscriber_dates(o) -> dict:
    """The timestamps the audience services leave for a status."""
    now = timezone.now()
    if o.status == Subscriber.Status.CONFIRMED:
        return {"confirmed_at": now}
    if o.status == Subscriber.Status.PENDING:
        return {"confirm_sent_at": now}
    return {"confirmed_at": now, "ended_at": now}  # unsubscribed, bounced, complained


class SubscriberFactory(factory.django.DjangoModelFactory):
    """An audience subscriber in `tenant`'s schema (default: the current blog schema),
    confirmed unless told otherwise: `SubscriberFactory(status=Subscriber.Status.PENDING)`.
    The timestamps follow the status; the plan's subscriber limit is not checked."""

    class Meta:
        model = Subscriber
        exclude = ("dates",)

    tenant = None
    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    status = Subscriber.Status.CONFIRMED
    source = "form"
    dates = factory.LazyAttribute(_subscriber_dates)
    confirmed_at = factory.LazyAttribute(lambda o: o.dates.get("confirmed_at"))
    confirm_sent_at = factory.LazyAttribute(lambda o: o.dates.get("confirm_sent_at"))
    ended_at = factory.LazyAttribute(lambda o: o.dates.get("ended_at"))

    @classmethod
    def _build(cls, model_class, *args, tenant=None, **kwargs):
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, tenant=None, **kwargs):
        kwargs["email"] = kwargs["email"].strip().lower()  # stored lowercased, as the services do
        with tenant_context(tenant or _current_blog()):
            return super()._create(model_class, *args, **kwargs)
