"""Comments and likes in the blog's analytics, and counts in lists."""

import pytest

from analytics import selectors
from tenants.context import tenant_context
from tests.comments.conftest import member_client, rules_set, send
from tests.conftest import host_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_comments_and_likes_per_day_reach_the_analytics_page(tenant, post, owner_client):
    from django.utils import timezone

    rules_set(tenant, moderation="none")
    for email in ("a@example.org", "b@example.org"):
        reader = member_client(tenant, email)
        send(reader, post, tenant, body=f"from {email}")
        reader.post(f"/comments/{post.id}/like/", {}, "application/json")
    today = timezone.now().date()
    with tenant_context(tenant):
        comments, likes = selectors.engagement_per_day(days=[today])
    assert (comments, likes) == ([2], [2])
    page = owner_client.get("/dashboard/analytics/")
    assert page.status_code == 200 and b'id="engagement"' in page.content


def test_the_home_page_has_count_spots_and_the_counts_endpoint_fills_them(tenant, post):
    rules_set(tenant, moderation="none")
    send(member_client(tenant), post, tenant, body="Counted")
    home = host_client(tenant).get("/").content.decode()
    assert f'data-counts-for="{post.id}"' in home and "comment-counts.js" in home
    counts = host_client(tenant).get(f"/comments/counts/?ids={post.id},abc,99999").json()
    assert counts[str(post.id)] == {"comments": 1, "likes": 0}
    assert counts["99999"] == {"comments": 0, "likes": 0}
