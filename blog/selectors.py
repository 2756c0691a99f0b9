"""Reads for the blog, scoped to the current schema. Each reader selector is one query."""

from dataclasses import dataclass
from datetime import datetime
from itertools import product

from django.db import connection
from django.db.models import Q, QuerySet

from blog.models import BlogSettings, Post, tag_slug

_LIST_FIELDS = (
    "id", "kind", "title", "slug", "summary", "tags", "published_at", "status", "cover_image_url",
)  # fmt: skip
FEED_SIZE = 20
# The blog's language (a PostgreSQL text search configuration) as an HTML/feed language tag.
_LANGUAGE_TAGS = {
    "english": "en", "german": "de", "french": "fr", "spanish": "es", "italian": "it",
    "portuguese": "pt", "dutch": "nl", "swedish": "sv", "norwegian": "no", "danish": "da",
    "finnish": "fi", "russian": "ru", "turkish": "tr",
}  # fmt: skip


def language_tag(*, language: str) -> str:
    """'german' -> 'de'; 'simple' (other languages) -> 'und' (undetermined)."""
    return _LANGUAGE_TAGS.get(language, "und")


def blog_settings_get() -> BlogSettings:
    """The blog's settings; unsaved defaults until the owner first saves them."""
    return BlogSettings.objects.filter(id=1).first() or BlogSettings(id=1)


def _published_posts() -> QuerySet[Post]:
    return Post.objects.filter(status=Post.Status.PUBLISHED, kind=Post.Kind.POST)


def posts_published() -> QuerySet[Post]:
    return _published_posts().only(*_LIST_FIELDS).order_by("-published_at", "-id")


@dataclass(frozen=True)
class PostPage:
    posts: list[Post]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


# A slug with up to this many hyphens is looked up through the tags' GIN index (every
# name it can stand for, at most 2**8); longer ones by comparing each tag's slug.
_MAX_INDEXED_HYPHENS = 8


def _with_tag(qs: QuerySet[Post], slug: str) -> QuerySet[Post]:
    """Posts carrying a tag whose URL slug is `slug`: each '-' of the slug is a '-' or a space
    of the tag's name."""
    parts = slug.split("-")
    if len(parts) - 1 > _MAX_INDEXED_HYPHENS:
        return qs.extra(
            where=["EXISTS (SELECT 1 FROM unnest(tags) AS t WHERE replace(t, ' ', '-') = %s)"],
            params=[slug],
        )
    names = [
        "".join(part + sep for part, sep in zip(parts, (*seps, ""), strict=True))
        for seps in product("- ", repeat=len(parts) - 1)
    ]
    return qs.filter(tags__overlap=names)


def tag_name(*, post: Post, slug: str) -> str:
    """The name (as readers see it) of `post`'s tag at `slug`."""
    return next((t for t in post.tags if tag_slug(t) == slug), slug)


def posts_page(*, number: int, per_page: int, tag: str | None = None) -> PostPage:
    """One page of published posts (newest first), in one query and without a COUNT; `tag` is
    a tag's URL slug."""
    qs = posts_published()
    if tag is not None:
        qs = _with_tag(qs, tag)
    start = (number - 1) * per_page
    rows = list(qs[start : start + per_page + 1])
    return PostPage(posts=rows[:per_page], number=number, has_next=len(rows) > per_page)


def posts_for_feed(*, tag: str | None = None) -> list[Post]:
    """The newest published posts, with a tag (its URL slug) if given."""
    qs = _published_posts().order_by("-published_at", "-id").defer("search_vector", "body")
    if tag is not None:
        qs = _with_tag(qs, tag)
    return list(qs[:FEED_SIZE])


def posts_archive() -> list[Post]:
    """Every published post, newest first, with just what the archive shows."""
    return list(
        _published_posts().only("id", "title", "slug", "published_at").order_by("-published_at")
    )


def entries_for_sitemap() -> QuerySet[Post]:
    return (
        Post.objects.filter(status=Post.Status.PUBLISHED)
        .only("id", "slug", "updated_at", "kind")
        .order_by("-published_at", "-id")
    )


def post_published_get(*, slug: str) -> tuple[Post | None, str | None]:
    """(post or page at `slug`, None), or (None, current slug) when a published post used to
    answer at `slug`, or (None, None). One query: exact slugs and old slugs together."""
    rows = list(
        Post.objects.filter(
            Q(slug=slug) | Q(old_slugs__contains=[slug]), status=Post.Status.PUBLISHED
        ).defer("body", "search_vector")[:2]
    )
    exact = next((p for p in rows if p.slug == slug), None)
    if exact is not None:
        return exact, None
    return None, (rows[0].slug if rows else None)


def posts_for_dashboard(*, author_id: int | None = None) -> QuerySet[Post]:
    """Every post and page, or only one author's when `author_id` is given (the author role)."""
    qs = Post.objects.only(
        "id", "kind", "title", "slug", "status", "published_at", "updated_at", "author_id"
    )
    if author_id is not None:
        qs = qs.filter(author_id=author_id)
    return qs.order_by("kind", "-updated_at")


def tags_with_counts() -> list[tuple[str, int]]:
    """Every tag of the blog with how many posts (any state) carry it, by name."""
    table = connection.ops.quote_name(Post._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tag, count(*) FROM {table}, unnest(tags) AS tag GROUP BY tag ORDER BY tag"  # noqa: S608
        )
        return [(tag, count) for tag, count in cursor.fetchall()]


def next_scheduled_at() -> datetime | None:
    """When the next scheduled post of the current schema is due, or None."""
    return (
        Post.objects.filter(status=Post.Status.SCHEDULED)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )


def posts_by_id(*, ids: list[int]) -> dict[int, Post]:
    """Posts and pages of the current blog by id (titles for analytics), in one query."""
    fields = ("id", "title", "slug", "kind", "status")
    return {post.id: post for post in Post.objects.filter(id__in=ids).only(*fields)}
