"""The dashboard's API page: a token is shown once and stored hashed; revoking works at once;
members see their own tokens; the owner manages the Content API key."""

import html5lib
import pytest
from django_tenants.utils import tenant_context

from api import services as api_services
from api.models import ApiToken
from tests.api.conftest import bearer
from tests.conftest import add_member, host_client, plan_set

pytestmark = pytest.mark.django_db


def _new_token(page: str) -> str:
    doc = html5lib.parse(page, namespaceHTMLElements=False)
    (code,) = doc.findall(".//code[@id='new-token']")
    return code.text


def test_create_show_once_use_and_revoke(tenant, owner_client):
    plan_set(tenant, "pro")
    response = owner_client.post("/dashboard/api/", {"name": "script", "expires_on": ""})
    assert response.status_code == 200
    raw = _new_token(response.content.decode())
    with tenant_context(tenant):
        row = ApiToken.objects.get()
        assert row.token_hash == api_services.token_hash(raw) and raw not in row.prefix
    listing = owner_client.get("/dashboard/api/").content.decode()
    assert raw not in listing and row.prefix in listing  # shown once
    api = host_client(tenant)
    assert api.get("/api/admin/v1/posts/", **bearer(raw)).status_code == 200
    assert owner_client.post(f"/dashboard/api/tokens/{row.pk}/revoke/").status_code == 302
    assert api.get("/api/admin/v1/posts/", **bearer(raw)).status_code == 401


def test_free_plan_cannot_create_tokens(tenant, owner_client):
    response = owner_client.post("/dashboard/api/", {"name": "script"})
    assert response.status_code == 400
    assert "Upgrade" in response.content.decode()
    with tenant_context(tenant):
        assert not ApiToken.objects.exists()


def test_bad_expiry_is_a_message(tenant, owner_client):
    plan_set(tenant, "pro")
    for value in ("tomorrow", "2001-01-01"):
        response = owner_client.post("/dashboard/api/", {"name": "x", "expires_on": value})
        assert response.status_code == 400


def test_members_see_and_revoke_only_their_own(tenant, owner_client, password):
    plan_set(tenant, "pro")
    owner_client.post("/dashboard/api/", {"name": "owner's token"})
    editor = add_member(tenant, "editor")
    client = host_client(tenant)
    client.force_login(editor)
    page = client.get("/dashboard/api/")
    assert page.status_code == 200
    assert "owner&#x27;s token" not in page.content.decode()
    assert "content-key" not in page.content.decode()  # the owner's only
    with tenant_context(tenant):
        owners = ApiToken.objects.get()
    assert client.post(f"/dashboard/api/tokens/{owners.pk}/revoke/").status_code == 404
    assert client.post("/dashboard/api/content/", {"public": "on"}).status_code == 403


def test_owner_makes_content_api_public_and_rotates_key(tenant, owner_client):
    owner_client.post("/dashboard/api/content/", {"public": "on"})
    reader = host_client(tenant)
    assert reader.get("/api/content/v1/tags/").status_code == 200
    owner_client.post("/dashboard/api/content/", {})
    assert reader.get("/api/content/v1/tags/").status_code == 401
    with tenant_context(tenant):
        old = api_services.content_api_config().content_key
    owner_client.post("/dashboard/api/content/", {"rotate": "1"})
    assert reader.get("/api/content/v1/tags/", {"key": old}).status_code == 401


def test_other_blogs_members_cannot_open_it(tenant, other_tenant):
    client = host_client(tenant)
    client.force_login(other_tenant.owner)
    assert client.get("/dashboard/api/").status_code == 403
