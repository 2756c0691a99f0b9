"""What analytics does when a blog is purged: its counts go in the same transaction."""

from django.dispatch import receiver

from analytics.services import analytics_blog_delete
from tenants.signals import tenant_purging


@receiver(tenant_purging, dispatch_uid="analytics.blog_delete")
def counts_delete(sender, *, tenant, **kwargs) -> None:  # noqa: ANN001
    analytics_blog_delete(tenant_id=tenant.id)
