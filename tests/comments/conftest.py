"""What comment tests share: a published post, a member's signed-in client, a guest's form."""

import time

import pytest
from django.core import signing

from audience import members
from comments import tokens
from comments.models import CommentSettings
from tenants.context import tenant_context
from tests.conftest import host_client
from tests.factories import PostFactory, SubscriberFactory


@pytest.fixture
def post(tenant):
    with tenant_context(tenant):
        return PostFactory(tenant=tenant, title="Hello", body="The post.")


def rules_set(tenant, **values):
    with tenant_context(tenant):
        CommentSettings.objects.update_or_create(id=1, defaults=values)


def member_client(tenant, email="reader@example.org"):
    """A client signed in as a member of `tenant` (the cookie the mailed link sets)."""
    with tenant_context(tenant):
        member = SubscriberFactory(tenant=tenant, email=email, name=email.split("@")[0])
    client = host_client(tenant)
    value = signing.dumps(member.id, salt=f"audience.member.cookie:{tenant.schema_name}")
    client.cookies[members.COOKIE] = value
    client.member = member
    return client


def aged_token(tenant, seconds: float = 10) -> str:
    """A form token handed out `seconds` ago (past the minimum time to submit)."""
    return tokens.form_token_make(schema=tenant.schema_name, now=time.time() - seconds)


def send(client, post, tenant, **data):
    data.setdefault("token", aged_token(tenant))
    return client.post(f"/comments/{post.id}/post/", data, content_type="application/json")
