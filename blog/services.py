"""Writes for the blog. Side effects (search vectors) are queued after commit."""

from django.utils import timezone
from django.utils.text import slugify

from blog.models import Post
from blog.rendering import markdown_render
from shared.accounts.models import User

MAX_TAGS = 20
MAX_TAG_LENGTH = 50
# Paths of the blog's host that a post slug must not shadow.
RESERVED_SLUGS = frozenset(
    "accounts archive dashboard feed healthz media page rss search static tag".split()
)


class PostInvalid(ValueError):
    pass


def tags_parse(raw: str | list[str]) -> list[str]:
    """'Python, django,python ' -> ['python', 'django']: lowercased, trimmed, de-duplicated."""
    items = raw.split(",") if isinstance(raw, str) else raw
    tags: list[str] = []
    for item in items:
        tag = " ".join(item.strip().lower().split())
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise PostInvalid(f"A post can have at most {MAX_TAGS} tags; this one has {len(tags)}.")
    too_long = [t for t in tags if len(t) > MAX_TAG_LENGTH]
    if too_long:
        raise PostInvalid(
            f"Tags can be at most {MAX_TAG_LENGTH} characters long: shorten '{too_long[0][:60]}'."
        )
    return tags


def _slug_unique(title: str, *, exclude_id: int | None = None) -> str:
    base = slugify(title)[:200] or "post"
    if base in RESERVED_SLUGS:
        base = f"{base}-post"
    taken = set(
        Post.objects.filter(slug__startswith=base)
        .exclude(id=exclude_id)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _queue_search_refresh(post_id: int) -> None:
    from tasks import search as search_tasks
    from tasks.queue import enqueue_on_commit

    enqueue_on_commit(search_tasks.post_search_vector_refresh, post_id)


def post_create(
    *, author: User, title: str, body: str, tags: str | list[str] = "", publish: bool = False
) -> Post:
    title = title.strip()
    if not title:
        raise PostInvalid("Give the post a title.")
    post = Post(
        title=title,
        slug=_slug_unique(title),
        body=body,
        body_html=markdown_render(body),
        tags=tags_parse(tags),
        author_id=author.id,
    )
    if publish:
        post.status = Post.Status.PUBLISHED
        post.published_at = timezone.now()
    post.save()
    _queue_search_refresh(post.id)
    return post


def post_update(
    *, post: Post, title: str, body: str, tags: str | list[str] = "", publish: bool | None = None
) -> Post:
    title = title.strip()
    if not title:
        raise PostInvalid("Give the post a title.")
    post.title = title
    post.body = body
    post.body_html = markdown_render(body)
    post.tags = tags_parse(tags)
    post.search_vector = None  # stale until the task (or the periodic sweep) refreshes it
    if publish is True and not post.is_published:
        post.status = Post.Status.PUBLISHED
        post.published_at = timezone.now()
    elif publish is False:
        post.status = Post.Status.DRAFT
    post.save()
    _queue_search_refresh(post.id)
    return post
