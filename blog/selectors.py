"""Reads for the blog, scoped to the current schema."""

from django.db.models import QuerySet

from blog.models import Post

_LIST_FIELDS = ("id", "title", "slug", "body_html", "tags", "published_at", "status")


def posts_published() -> QuerySet[Post]:
    return (
        Post.objects.filter(status=Post.Status.PUBLISHED)
        .only(*_LIST_FIELDS)
        .order_by("-published_at", "-id")
    )


def post_published_get(*, slug: str) -> Post | None:
    return Post.objects.filter(status=Post.Status.PUBLISHED, slug=slug).first()


def posts_for_dashboard(*, author_id: int | None = None) -> QuerySet[Post]:
    """Every post, or only one author's when `author_id` is given (the author role)."""
    qs = Post.objects.only("id", "title", "slug", "status", "published_at", "updated_at")
    if author_id is not None:
        qs = qs.filter(author_id=author_id)
    return qs.order_by("-updated_at")
