"""The editor's "Email this post to subscribers" box, scheduled posts, plan limits, test sends."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audience.models import Newsletter, Subscriber
from blog.models import BlogSettings, Post
from tasks import publishing
from tenants import services as tenant_services
from tenants.context import tenant_context
from tests.audience.conftest import subscribers_add
from tests.html import parse

pytestmark = pytest.mark.django_db


def _box(client, path="/dashboard/posts/new/"):
    return parse(client.get(path).content).find(".//input[@id='email-subscribers']")


def _newsletters(tenant):
    with tenant_context(tenant):
        return list(Newsletter.objects.values_list("subject", "status"))


def test_the_box_is_remembered_per_blog_and_a_post_is_emailed_once(tenant, owner_client):
    assert _box(owner_client).get("checked") is None
    form = {"title": "First", "body": "x", "email_box": "1", "email_subscribers": "on"}
    response = owner_client.post("/dashboard/posts/new/", form | {"publish": ""})
    assert response.status_code == 302
    assert _newsletters(tenant) == [("First", "queued")]
    with tenant_context(tenant):
        assert BlogSettings.objects.get(id=1).email_posts is True
        post = Post.objects.get(slug="first")
    assert _box(owner_client).get("checked") is not None  # remembered for the next post
    # the published post's editor says it went out, and saving again sends nothing more
    page = owner_client.get(f"/dashboard/posts/{post.id}/").content.decode()
    assert "Emailed to subscribers" in page
    owner_client.post(f"/dashboard/posts/{post.id}/", form | {"save": ""})
    assert _newsletters(tenant) == [("First", "queued")]


def test_a_scheduled_post_is_emailed_when_it_goes_live(tenant, owner_client):
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form = {"title": "Later", "body": "x", "publish_at": when, "email_box": "1"}
    owner_client.post("/dashboard/posts/new/", form | {"email_subscribers": "on", "schedule": ""})
    assert _newsletters(tenant) == [("Later", "scheduled")]
    with tenant_context(tenant):
        post = Post.objects.get(slug="later")
        Post.objects.filter(id=post.id).update(published_at=timezone.now() - timedelta(seconds=5))
    tenant_services.publish_schedule_note(
        tenant_id=tenant.id, due_at=timezone.now() - timedelta(seconds=5)
    )
    assert publishing.publish_due_batch.apply(args=[[tenant.schema_name]]).get() == 1
    assert _newsletters(tenant) == [("Later", "queued")]


def test_unticking_a_scheduled_post_cancels_its_newsletter(tenant, owner_client):
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form = {"title": "Later", "body": "x", "publish_at": when, "email_box": "1"}
    owner_client.post("/dashboard/posts/new/", form | {"email_subscribers": "on", "schedule": ""})
    with tenant_context(tenant):
        post = Post.objects.get(slug="later")
    owner_client.post(f"/dashboard/posts/{post.id}/", form | {"schedule": ""})
    assert _newsletters(tenant) == []


def test_a_send_past_the_plans_monthly_emails_is_refused_before_anything_is_saved(
    tenant, owner_client
):
    subscribers_add(tenant, [f"r{i}@example.org" for i in range(2001)])  # Free: 2,000 a month
    form = {"title": "Too big", "body": "x", "email_box": "1", "email_subscribers": "on"}
    response = owner_client.post("/dashboard/posts/new/", form | {"publish": ""})
    assert response.status_code == 200
    text = response.content.decode()
    assert "The Free plan sends 2,000 newsletter emails a month" in text
    assert "this post would go to 2,001 subscribers" in text
    with tenant_context(tenant):
        assert not Post.objects.filter(slug="too-big").exists()
    assert _newsletters(tenant) == []
    form.pop("email_subscribers")
    assert owner_client.post("/dashboard/posts/new/", form | {"publish": ""}).status_code == 302


def test_the_subscriber_limit_stops_the_form_without_naming_anyone(tenant, tenant_client):
    subscribers_add(tenant, [f"r{i}@example.org" for i in range(500)])  # Free: 500
    response = tenant_client.post("/subscribe/", {"email": "new@example.org"})
    assert response.status_code == 403
    assert "not taking new subscribers" in response.content.decode()
    with tenant_context(tenant):
        assert not Subscriber.objects.filter(email="new@example.org").exists()


def test_send_a_test_to_myself(tenant, owner_client, inbox):
    owner_client.post("/dashboard/posts/new/", {"title": "Draft one", "body": "Hello *you*."})
    with tenant_context(tenant):
        post = Post.objects.get(slug="draft-one")
    response = owner_client.post(f"/dashboard/newsletters/test/{post.id}/")
    assert response.status_code == 302
    message = inbox.wait_for(tenant.owner.email, "[Test] Draft one")
    assert "Hello <em>you</em>." in message.get_body(preferencelist=("html",)).get_content()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert _newsletters(tenant) == []  # nothing recorded, nobody else mailed
    assert list(inbox.copies) == [tenant.owner.email]
