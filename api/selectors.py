"""Reads for the API, in the current blog's schema."""

from django.db import connection
from django.db.models import QuerySet

from blog import selectors as blog_selectors
from blog.models import Post

_CONTENT_FIELDS = (
    "id", "kind", "title", "slug", "excerpt", "summary", "body_html", "tags", "published_at",
    "updated_at", "meta_description", "canonical_url", "cover_image_url", "status", "visibility",
)  # fmt: skip
# Never `gated_html` (or `body`): the Content API shows every reader the same public part.


def content_posts(
    *, kind: str, offset: int, limit: int, tag: str | None = None
) -> tuple[list[Post], bool]:
    """Published posts (or pages), newest first: one page and whether another follows (no
    COUNT: `limit + 1` rows). `tag` is a tag's URL slug, as on reader pages."""
    qs = Post.objects.filter(status=Post.Status.PUBLISHED, kind=kind).only(*_CONTENT_FIELDS)
    if tag is not None:
        qs = blog_selectors._with_tag(qs, tag)  # the reader's tag matching (slug -> names)
    rows = list(qs.order_by("-published_at", "-id")[offset : offset + limit + 1])
    return rows[:limit], len(rows) > limit


def content_post_get(*, kind: str, slug: str) -> Post | None:
    if "\x00" in slug:  # PostgreSQL refuses NUL in a string: no post has it
        return None
    return (
        Post.objects.filter(status=Post.Status.PUBLISHED, kind=kind, slug=slug)
        .only(*_CONTENT_FIELDS)
        .first()
    )


def admin_posts(*, author_id: int | None, kind: str | None, offset: int, limit: int) -> QuerySet:
    """Every state; only `author_id`'s when given (the author role)."""
    qs = Post.objects.defer("search_vector", "title_vector")
    if author_id is not None:
        qs = qs.filter(author_id=author_id)
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.order_by("-updated_at", "-id")[offset : offset + limit + 1]


def published_tag_counts() -> list[tuple[str, int]]:
    """Every tag of a published post, with how many published posts carry it, by name."""
    table = connection.ops.quote_name(Post._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tag, count(*) FROM {table}, unnest(tags) AS tag "  # noqa: S608
            "WHERE status = %s AND kind = %s GROUP BY tag ORDER BY tag",
            [Post.Status.PUBLISHED, Post.Kind.POST],
        )
        return [(tag, count) for tag, count in cursor.fetchall()]
