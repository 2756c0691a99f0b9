import pytest

from blog import services
from tenants.context import tenant_context
from tests.conftest import add_member, host_client


def write(tenant, title: str, *, author=None, action: str = "publish", **fields):
    """A post (or page, with kind="page") made through the real service, in `tenant`."""
    with tenant_context(tenant):
        return services.post_create(
            tenant=tenant,
            author=author or tenant.owner,
            title=title,
            body=fields.pop("body", f"Body of {title}"),
            action=action,
            **fields,
        )


def login(tenant, user, password):
    client = host_client(tenant)
    assert client.login(email=user.email, password=password)
    return client


@pytest.fixture
def member_client(tenant, password):
    """member_client("editor") -> (client logged in as a new editor of `tenant`, user)."""

    def make(role: str):
        user = tenant.owner if role == "owner" else add_member(tenant, role)
        return login(tenant, user, password), user

    return make
