"""What blog does when the apps below announce a change."""

from django.dispatch import receiver

from blog.cache import blog_changed
from blog.models import Post
from blog.rendering import post_html_render
from media.signals import media_processed
from tenants.signals import tenant_hosts_changed


@receiver(tenant_hosts_changed, dispatch_uid="blog.hosts_changed")
def hosts_changed(sender, *, tenant, **kwargs) -> None:  # noqa: ANN001
    """Canonical links name the primary host: every cached page of the blog is stale."""
    blog_changed(schema=tenant.schema_name)


@receiver(media_processed, dispatch_uid="blog.media_processed")
def posts_rerender(sender, *, url: str, **kwargs) -> int:  # noqa: ANN001
    """Posts saved while their image was still processing get its dimensions now (edit times
    and revisions are left alone: nobody edited them)."""
    changed = 0
    rows = Post.objects.filter(body__contains=url).only(
        "id", "body", "body_html", "gated_html", "visibility"
    )
    for post in rows:
        html, gated = post_html_render(body=post.body, visibility=post.visibility)
        if (html, gated) != (post.body_html, post.gated_html):
            Post.objects.filter(id=post.id).update(body_html=html, gated_html=gated)
            changed += 1
    if changed:
        blog_changed()
    return changed
