"""Writes for posts and pages. Side effects (search vectors, page cache) run after commit."""

import re
from datetime import datetime
from typing import Literal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import Truncator, slugify

from blog import dispatch
from blog.cache import blog_changed
from blog.models import Post
from blog.rendering import post_html_render, prose_text
from blog.search import search_config
from blog.signals import post_event
from lib.errors import ApplicationError, Conflict
from shared.accounts import services as account_services
from shared.accounts.models import User
from shared.billing import services as billing_services
from tenants import services as tenant_services
from tenants.models import Tenant

MAX_TITLE_LENGTH = 200
MAX_META_DESCRIPTION = 300
MAX_URL_LENGTH = 500
MAX_BODY_BYTES = 500_000
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
SUMMARY_WORDS = 50
# Paths of the blog's host that a post slug must not shadow.
RESERVED_SLUGS = frozenset(
    "accounts archive dashboard feed healthz media oembed page robots.txt rss search sitemap.xml "
    "static tag".split()
)

Action = Literal["save", "publish", "schedule", "unpublish"]


class PostInvalid(ApplicationError):
    pass


class PostConflict(Conflict):
    """The post was saved by someone else (or another tab) since the writer's copy was read:
    `current` is the post as it is now."""

    def __init__(self, current: Post):
        when = timezone.localtime(current.updated_at).strftime("%H:%M:%S")
        super().__init__(
            f"This {current.kind} was saved elsewhere at {when}, after you opened it (another "
            "tab, or another person). Nothing of yours was lost: compare both texts and save "
            "again."
        )
        self.current = current


def post_version(post: Post) -> str:
    """What a writer's copy of a post was read at: handed out with the editor (and the Admin
    API's ETag) and given back with a save, which is refused if the post moved on since."""
    return post.updated_at.isoformat()


# Control characters no writer means: PostgreSQL refuses NUL, XML 1.0 (feeds, sitemaps) all
# of these. Tab, newline and carriage return stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def text_clean(value: str) -> str:
    """What is stored of a typed text: control characters dropped, everything else as typed."""
    return _CONTROL.sub("", value)


def tags_parse(raw: str | list[str]) -> list[str]:
    """'Python, django,python ' -> ['python', 'django']: lowercased, trimmed, de-duplicated.

    A '/' becomes '-', so that every tag has a page at /tag/<slug>/ (`blog.models.tag_slug`).
    """
    items = raw.split(",") if isinstance(raw, str) else raw
    tags: list[str] = []
    for item in items:
        # A tag is a URL: no invisible characters (dropped before spaces are tidied).
        visible = "".join(c for c in item.lower() if c.isprintable() or c.isspace())
        tag = " ".join(visible.replace("/", "-").split())
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise PostInvalid(f"A post can have at most {MAX_TAGS} tags; this one has {len(tags)}.")
    dots = [t for t in tags if t in (".", "..")]
    if dots:  # browsers read /tag/../ as a way up, so such a tag could have no page
        raise PostInvalid(f"'{dots[0]}' cannot be a tag: use a word.")
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


def _slug_chosen(raw: str, *, exclude_id: int | None) -> str:
    slug = slugify(raw)[:220]
    if not slug:
        raise PostInvalid("The slug needs at least one letter or digit.")
    if slug in RESERVED_SLUGS:
        raise PostInvalid(f"'{slug}' is used by the blog itself: choose another slug.")
    if Post.objects.filter(slug=slug).exclude(id=exclude_id).exists():
        raise PostInvalid(f"Another post or page already uses the slug '{slug}': choose another.")
    return slug


def _queue_search_refresh(post_id: int, *, tenant: Tenant) -> None:
    dispatch.search_refresh(post_id, config=search_config(tenant=tenant))


def _summary(*, excerpt: str, body_html: str) -> str:
    """Plain text for lists and feeds: the excerpt, or the body's prose (no code blocks,
    tables or footnotes). Tags are stripped by nh3, which never fails on odd markup."""
    text = " ".join(prose_text(excerpt or body_html, prose_only=not excerpt).split())
    return Truncator(text).words(SUMMARY_WORDS, truncate="…")


def _check(*, title: str, body: str) -> str:
    title = text_clean(title).strip()
    if not title:
        raise PostInvalid("Give the post a title.")
    if len(title) > MAX_TITLE_LENGTH:
        raise PostInvalid(
            f"The title is {len(title)} characters long: the limit is {MAX_TITLE_LENGTH}."
        )
    size = len(body.encode(errors="replace"))
    if size > MAX_BODY_BYTES:
        raise PostInvalid(f"The post is too long ({size // 1000} KB): the limit is 500 KB.")
    return title


_FIELD_LIMITS = {
    "excerpt": ("excerpt", None),
    "meta_description": ("meta description", MAX_META_DESCRIPTION),
    "canonical_url": ("canonical URL", MAX_URL_LENGTH),
    "cover_image_url": ("cover image URL", MAX_URL_LENGTH),
}


def _field(name: str, value: str) -> str:
    value = text_clean(value).strip()
    label, limit = _FIELD_LIMITS[name]
    if limit is not None and len(value) > limit:
        raise PostInvalid(
            f"The {label} is {len(value)} characters long: the limit is {limit}; shorten it."
        )
    return value


def _check_publish_limit(post: Post, *, tenant_id: int) -> None:
    """Plans limit how many posts a blog has live (published or scheduled); pages are free.
    Raises shared.billing's LimitReached, which carries the upgrade link.

    Counted under a lock held until the caller's transaction ends (an advisory lock keyed on
    the blog), so two publishes at once cannot both see room for one more post."""
    if post.kind != Post.Kind.POST or post.status in _LIVE:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_PUBLISH_LOCK, tenant_id])
    live = Post.objects.filter(kind=Post.Kind.POST, status__in=_LIVE).exclude(id=post.id)
    billing_services.limits_check_publish(tenant_id=tenant_id, published_count=live.count())


_LIVE = (Post.Status.PUBLISHED, Post.Status.SCHEDULED)
# The first key of the two-key advisory lock taken while counting live posts (the second is
# the tenant's id): any constant that no other lock of the project uses.
_PUBLISH_LOCK = 0x51_75_70  # "Qup"


def _note_schedule(post: Post, *, tenant_id: int) -> None:
    """Tell the publisher (public schema) when this blog next has something due."""
    if post.status == Post.Status.SCHEDULED:
        tenant_services.publish_schedule_note(tenant_id=tenant_id, due_at=post.published_at)


def _apply_action(
    post: Post, *, tenant_id: int, action: Action, publish_at: datetime | None, now: datetime
) -> None:
    if action in ("publish", "schedule"):
        try:  # an unconfirmed owner can write but not publish
            if post.status not in _LIVE:
                account_services.publishing_allowed_check(tenant_id=tenant_id)
        except account_services.EmailUnverified as exc:
            raise PostInvalid(str(exc)) from exc
        _check_publish_limit(post, tenant_id=tenant_id)
    if action == "publish":
        if not post.is_published:
            post.status = Post.Status.PUBLISHED
            post.published_at = now
    elif action == "schedule":
        if publish_at is None:
            raise PostInvalid("Choose the date and time at which the post should go live.")
        if publish_at <= now:
            when = timezone.localtime(publish_at).strftime("%Y-%m-%d %H:%M")
            raise PostInvalid(
                f"{when} ({timezone.get_current_timezone_name()}) is in the past: choose a "
                "time in the future, "
                "or press Publish to publish now."
            )
        post.status = Post.Status.SCHEDULED
        post.published_at = publish_at
    elif action == "unpublish":
        post.status = Post.Status.DRAFT
        post.published_at = None


def _visibility(visibility: str, access_tiers: list[int] | None) -> tuple[str, list[int]]:
    if visibility not in Post.Visibility.values:
        raise PostInvalid(
            f"Visibility is one of {', '.join(Post.Visibility.values)}, not {visibility!r}."
        )
    tiers = sorted({int(t) for t in access_tiers or []})
    if visibility == Post.Visibility.TIERS and not tiers:
        raise PostInvalid("Choose at least one tier that may read this post.")
    return visibility, tiers if visibility == Post.Visibility.TIERS else []


def post_create(
    *,
    tenant: Tenant,
    author: User,
    title: str,
    body: str,
    tags: str | list[str] = "",
    action: Action = "save",
    publish_at: datetime | None = None,
    kind: str = Post.Kind.POST,
    slug: str = "",
    excerpt: str = "",
    meta_description: str = "",
    canonical_url: str = "",
    cover_image_url: str = "",
    visibility: str = Post.Visibility.PUBLIC,
    access_tiers: list[int] | None = None,
) -> Post:
    """Create a post or page in `tenant` (whose schema is the current one); `action`
    decides its state.

    One transaction covers the post (the blog's schema) and the publisher's schedule (public).
    """
    title = _check(title=title, body=body)
    body = text_clean(body)
    visibility, access_tiers = _visibility(visibility, access_tiers)
    body_html, gated_html = post_html_render(body=body, visibility=visibility)
    excerpt = _field("excerpt", excerpt)
    post = Post(
        kind=kind,
        title=title,
        body=body,
        body_html=body_html,
        gated_html=gated_html,
        visibility=visibility,
        access_tiers=access_tiers,
        excerpt=excerpt,
        summary=_summary(excerpt=excerpt, body_html=body_html),
        meta_description=_field("meta_description", meta_description),
        canonical_url=_field("canonical_url", canonical_url),
        cover_image_url=_field("cover_image_url", cover_image_url),
        tags=tags_parse(tags),
        author_id=author.id,
    )
    slug = text_clean(slug)
    with transaction.atomic():
        post.slug = _slug_chosen(slug, exclude_id=None) if slug.strip() else _slug_unique(title)
        _apply_action(
            post, tenant_id=tenant.id, action=action, publish_at=publish_at, now=timezone.now()
        )
        post.save()
        _note_schedule(post, tenant_id=tenant.id)
        _queue_search_refresh(post.id, tenant=tenant)
        blog_changed(post_ids=[post.id])
        if post.is_published:
            post_event.send(sender=Post, tenant_id=tenant.id, event="post.published", post=post)
    return post


def _post_event(*, was_published: bool, is_published: bool) -> str | None:
    """The webhook event of a save: going live, a live post changed, or taken down."""
    if is_published:
        return "post.updated" if was_published else "post.published"
    return "post.unpublished" if was_published else None


def post_update(
    *,
    tenant: Tenant,
    post: Post,
    title: str,
    body: str,
    tags: str | list[str] = "",
    action: Action = "save",
    publish_at: datetime | None = None,
    slug: str = "",
    excerpt: str | None = None,
    meta_description: str | None = None,
    canonical_url: str | None = None,
    cover_image_url: str | None = None,
    base_version: str | None = None,
    visibility: str | None = None,
    access_tiers: list[int] | None = None,
) -> Post:
    """Save a post's fields and apply `action`. Changing a published post's slug keeps the old
    one as a 301 redirect. Arguments left as None keep their value. One transaction covers
    the post (the blog's schema) and the publisher's schedule (public).

    With `base_version` (`post_version` of the copy the writer edited), a post saved since is
    not overwritten: `PostConflict` carries it as it is now."""
    title = _check(title=title, body=body)
    body = text_clean(body)
    fields = {
        name: _field(name, value)
        for name, value in (
            ("excerpt", excerpt),
            ("meta_description", meta_description),
            ("canonical_url", canonical_url),
            ("cover_image_url", cover_image_url),
        )
        if value is not None
    }
    tags = tags_parse(tags)
    slug = text_clean(slug)
    with transaction.atomic():
        if base_version is not None:
            current = Post.objects.select_for_update().get(pk=post.pk)
            if post_version(current) != base_version:
                raise PostConflict(current)
        was_published = post.is_published
        if slug.strip() and slugify(slug) != post.slug:
            new_slug = _slug_chosen(slug, exclude_id=post.id)
            if was_published and post.slug not in post.old_slugs:
                post.old_slugs = [*post.old_slugs, post.slug]
            post.old_slugs = [s for s in post.old_slugs if s != new_slug]
            post.slug = new_slug
        post.title = title
        post.body = body
        if visibility is not None:
            post.visibility, post.access_tiers = _visibility(visibility, access_tiers)
        post.body_html, post.gated_html = post_html_render(body=body, visibility=post.visibility)
        post.tags = tags
        for field, value in fields.items():
            setattr(post, field, value)
        post.summary = _summary(excerpt=post.excerpt, body_html=post.body_html)
        post.search_vector = None  # stale until the task (or the periodic sweep) refreshes it
        _apply_action(
            post, tenant_id=tenant.id, action=action, publish_at=publish_at, now=timezone.now()
        )
        post.save()
        _note_schedule(post, tenant_id=tenant.id)
        _queue_search_refresh(post.id, tenant=tenant)
        blog_changed(post_ids=[post.id])
        event = _post_event(was_published=was_published, is_published=post.is_published)
        if event:
            post_event.send(sender=Post, tenant_id=tenant.id, event=event, post=post)
    return post


def post_delete(*, tenant: Tenant, post: Post) -> None:
    with transaction.atomic():
        post_event.send(sender=Post, tenant_id=tenant.id, event="post.deleted", post=post)
        post_id = post.id
        post.delete()
        blog_changed(post_ids=[post_id])


def post_publish_due(*, tenant_id: int, now: datetime) -> int:
    """Publish every scheduled post of the current schema that is due; returns how many.

    Idempotent: a second run finds nothing left to do. Called by the periodic task.
    """
    with transaction.atomic():
        due = list(
            Post.objects.select_for_update()
            .filter(status=Post.Status.SCHEDULED, published_at__lte=now)
            .defer("body", "body_html", "search_vector", "title_vector")
        )
        done = Post.objects.filter(id__in=[p.id for p in due]).update(status=Post.Status.PUBLISHED)
        if done:
            blog_changed()
        for post in due:
            post.status = Post.Status.PUBLISHED
            post_event.send(sender=Post, tenant_id=tenant_id, event="post.published", post=post)
    return done


def post_metadata_set(*, post_id: int, key: str, value: object) -> None:
    """Set (or, with None, remove) one key of a post's `metadata`, in place: the post's other
    fields, its version and its cached page are untouched (apps above keep per-post options
    there, shown under the post through their own fragments)."""
    with transaction.atomic():
        post = Post.objects.select_for_update().only("id", "metadata").get(id=post_id)
        metadata = dict(post.metadata or {})
        if value is None:
            metadata.pop(key, None)
        else:
            metadata[key] = value
        Post.objects.filter(id=post_id).update(metadata=metadata)
