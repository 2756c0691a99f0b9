"""Each member's time zone: set from the browser once, used for the dashboard's times and
for reading scheduling input; reader pages and other members are unaffected."""

from datetime import UTC, datetime

import pytest

from blog.models import Post
from shared.accounts.models import User
from tenants.context import tenant_context
from tests.conftest import add_member, host_client
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SCRIPT = "accounts/timezone.js"


def login(tenant, user):
    client = host_client(tenant)
    assert (
        client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code
        == 302
    )
    return client


def test_the_browser_sets_the_time_zone_once(owner_client, tenant):
    assert SCRIPT in owner_client.get("/dashboard/").content.decode()
    response = owner_client.post(
        "/accounts/time-zone/",
        {"time_zone": "Europe/Paris"},
        HTTP_X_REQUESTED_WITH="quire-time-zone",
    )
    assert response.status_code == 204
    assert User.objects.get(pk=tenant.owner.pk).time_zone == "Europe/Paris"
    assert SCRIPT not in owner_client.get("/dashboard/").content.decode()


def test_a_bad_time_zone_gets_a_clear_message(owner_client, tenant):
    response = owner_client.post("/accounts/time-zone/", {"time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "is not a time zone" in response.content.decode()
    assert User.objects.get(pk=tenant.owner.pk).time_zone == ""
    assert host_client(tenant).post("/accounts/time-zone/", {"time_zone": "UTC"}).status_code == 302


def test_scheduling_reads_and_shows_the_members_own_time_zone(owner_client, tenant):
    tenant.owner.time_zone = "Asia/Tokyo"  # UTC+9, no summer time
    tenant.owner.save()
    editor = add_member(tenant, "editor")
    editor.time_zone = "America/New_York"
    editor.save()

    form = owner_client.get("/dashboard/posts/new/").content.decode()
    assert "Publish at (Asia/Tokyo)" in form
    response = owner_client.post(
        "/dashboard/posts/new/",
        {"title": "Later", "body": "x", "publish_at": "2031-01-10T09:30", "schedule": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    with tenant_context(tenant):
        post = Post.objects.get(title="Later")
    assert post.published_at == datetime(2031, 1, 10, 0, 30, tzinfo=UTC)

    assert "10 Jan 2031 09:30 JST" in owner_client.get("/dashboard/").content.decode()
    # Another member sees the same moment in their own zone.
    assert "9 Jan 2031 19:30 EST" in login(tenant, editor).get("/dashboard/").content.decode()


def test_the_time_zone_page_lists_zones_and_saves_one(owner_client, tenant):
    page = owner_client.get("/accounts/time-zone/").content.decode()
    assert "<option>Europe/Paris</option>" in page
    response = owner_client.post("/accounts/time-zone/", {"time_zone": "Europe/Paris"})
    assert response.status_code == 302
    assert User.objects.get(pk=tenant.owner.pk).time_zone == "Europe/Paris"
