import pytest
from django_tenants.utils import tenant_context

from api import services as api_services
from blog.services.posts import post_create
from shared.accounts.models import Membership
from tests.conftest import add_member, host_client, plan_set


def make_post(tenant, *, author=None, **fields):
    fields.setdefault("title", "Hello")
    fields.setdefault("body", "Some *text*.")
    with tenant_context(tenant):
        return post_create(tenant=tenant, author=author or tenant.owner, **fields)


def content_key(tenant) -> str:
    with tenant_context(tenant):
        return api_services.content_api_config().content_key


def token_for(tenant, user=None) -> str:
    user = user or tenant.owner
    with tenant_context(tenant):
        _row, raw = api_services.token_create(tenant_id=tenant.id, user=user, name="test")
    return raw


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def pro_blog(make_blog):
    def make(subdomain: str):
        tenant = make_blog(subdomain)
        plan_set(tenant, "pro")
        return tenant

    return make


@pytest.fixture
def member_token():
    def make(tenant, role: str):
        user = add_member(tenant, role)
        return user, token_for(tenant, user)

    return make


__all__ = ["Membership", "host_client", "make_post", "content_key", "token_for", "bearer"]
