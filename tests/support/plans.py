"""Bringing a blog to its plan's limits."""

from django.utils import timezone

from blog.models import Post
from tenants.context import tenant_context

FREE_POSTS = 20


def fill_to_the_limit(tenant, count=FREE_POSTS):
    with tenant_context(tenant):
        Post.objects.bulk_create(
            Post(title=f"P{i}", slug=f"p{i}", status="published", published_at=timezone.now())
            for i in range(count)
        )
