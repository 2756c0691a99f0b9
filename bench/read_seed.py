"""Make (or reuse) the `bench` blog with 1,000 published posts. Run via read_throughput."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from blog.models import Post
from blog.rendering import markdown_render
from shared.accounts.models import User
from tenants import services
from tenants.context import tenant_context
from tenants.models import Tenant

POSTS = 1000
BODY = """Some *Markdown* for post {n}, with a [link](https://example.org/{n}) and code:

```python
print({n})
```

| a | b |
|---|---|
| {n} | {m} |
"""


def seed() -> str:
    tenant = Tenant.objects.filter(subdomain="bench").first()
    if tenant is None:
        owner = User.objects.filter(email="bench@example.org").first() or User.objects.create_user(
            email="bench@example.org", password="bench-password-1"
        )
        with transaction.atomic():
            tenant = services.tenant_provision(subdomain="bench", name="Bench blog", owner=owner)
    with tenant_context(tenant):
        if Post.objects.count() != POSTS:
            Post.objects.all().delete()
            now = timezone.now()
            posts = []
            for n in range(POSTS):
                body = BODY.format(n=n, m=n * 2)
                html = markdown_render(body)
                posts.append(
                    Post(
                        title=f"Bench post number {n}",
                        slug=f"bench-post-{n}",
                        body=body,
                        body_html=html,
                        summary=f"Some Markdown for post {n}, with a link and code.",
                        tags=["bench", f"tag{n % 10}"],
                        status="published",
                        published_at=now - timedelta(hours=n),
                    )
                )
            Post.objects.bulk_create(posts, batch_size=500)
    return tenant.schema_name


if __name__ == "__main__":
    print(seed())
