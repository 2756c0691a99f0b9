"""Plan limits where bloggers meet them: the editor and the members screen."""

from datetime import timedelta

from django.utils import timezone

from blog.models import Post
from shared.accounts.models import Invitation
from tenants.context import tenant_context
from tenants.models import PublishSchedule
from tests.support.plans import FREE_POSTS, fill_to_the_limit


def test_publishing_past_the_free_limit_is_refused_with_an_upgrade_link(tenant, owner_client):
    fill_to_the_limit(tenant, FREE_POSTS - 1)
    ok = owner_client.post("/dashboard/posts/new/", {"title": "Twentieth", "publish": ""})
    assert ok.status_code == 302

    refused = owner_client.post(
        "/dashboard/posts/new/", {"title": "One too many", "body": "kept", "publish": ""}
    )
    html = refused.content.decode()
    assert refused.status_code == 200
    assert "allows 20 published posts" in html
    assert 'href="/dashboard/billing/"' in html
    assert "kept" in html  # what was typed is still there
    with tenant_context(tenant):
        assert not Post.objects.filter(title="One too many").exists()
        assert Post.objects.filter(status="published").count() == FREE_POSTS


def test_at_the_limit_drafts_pages_and_edits_still_work(tenant, owner_client):
    fill_to_the_limit(tenant)
    assert owner_client.post("/dashboard/posts/new/", {"title": "A draft"}).status_code == 302
    page = owner_client.post("/dashboard/pages/new/", {"title": "About", "publish": ""})
    assert page.status_code == 302
    with tenant_context(tenant):
        live = Post.objects.filter(status="published", kind="post").first()
    edit = owner_client.post(
        f"/dashboard/posts/{live.id}/", {"title": "Edited while at the limit", "save": ""}
    )
    assert edit.status_code == 302
    later = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    scheduled = owner_client.post(
        "/dashboard/posts/new/", {"title": "Later", "publish_at": later, "schedule": ""}
    )
    assert "allows 20 published posts" in scheduled.content.decode()


def test_inviting_past_the_member_limit_is_refused(tenant, owner_client):
    response = owner_client.post(
        "/dashboard/members/", {"email": "friend@example.org", "role": "author"}
    )
    html = response.content.decode()
    assert "allows 1 person" in html
    assert 'href="/dashboard/billing/"' in html
    assert not Invitation.objects.filter(tenant_id=tenant.id).exists()


def test_scheduling_tells_the_publisher_when_the_blog_is_due(tenant, owner_client):
    when = (timezone.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    response = owner_client.post(
        "/dashboard/posts/new/",
        {"title": "Later", "publish_at": when.strftime("%Y-%m-%dT%H:%M"), "schedule": ""},
    )
    assert response.status_code == 302
    assert PublishSchedule.objects.get(tenant_id=tenant.id).next_due_at == when
