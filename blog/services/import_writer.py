"""The bulk writer of an import: parsed posts and pages of a file become the blog's, in the
importing job's transaction.

Why one transaction per import: a blog is never half-imported. A broken file is refused
before anything is written (every reader parses the whole file first), and anything that
fails while writing rolls the whole import back; the job's report says what happened.

Why a bulk writer rather than `post_create` per post: 5,000 posts must go in at 200 posts/s.
The rules of a save still apply: titles, bodies and tags are checked with the post
services' own limits and helpers, bodies are rendered and sanitised by
`blog.rendering.markdown_render`, the plan's publish limit is applied (posts over it become
drafts and the report says so), search vectors are refreshed by one task after commit,
the page cache is invalidated (`blog_changed`), a scheduled post notes the publisher, and
every imported post gets a revision (origin "import").

Safe to re-run: each post stores its source key in `metadata["import_source"]`; a post seen
again is updated (or left alone when nothing changed), never duplicated.
"""

import logging

from django.db import connection
from django.utils import timezone
from django.utils.text import slugify

from blog import dispatch
from blog.cache import blog_changed
from blog.imports.common import ImportItem, Parsed
from blog.models import Post, PostRevision
from blog.rendering import markdown_render
from blog.selectors import blog_settings_get
from blog.services.posts import (
    MAX_BODY_BYTES,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    MAX_TITLE_LENGTH,
    RESERVED_SLUGS,
    _summary,
    tags_parse,
)
from blog.services.settings import SettingsInvalid, blog_settings_update, navigation_parse
from blog.transfer import SOURCE_KEY, posts_imported, transfer_sections
from media.images import MediaInvalid
from media.services import media_store_bytes
from shared.accounts.models import Membership, User
from shared.billing import services as billing_services
from shared.billing.exceptions import LimitReached
from shared.billing.services import UPGRADE_PATH
from tenants import services as tenant_services
from tenants.models import Tenant

logger = logging.getLogger(__name__)

BATCH = 500
REPORT_LIST_MAX = 500  # entries kept per list in a report (counts are always exact)
_FIELDS = (
    "kind",
    "title",
    "slug",
    "body",
    "body_html",
    "excerpt",
    "summary",
    "tags",
    "status",
    "published_at",
    "author_id",
    "cover_image_url",
    "meta_description",
    "canonical_url",
    "metadata",
    "search_vector",
)


def _members_by_email(*, tenant_id: int, emails: set[str]) -> dict[str, int]:
    """Authors are mapped to this blog's members by email (any case); others to the
    importer. Nobody becomes a member by being named in a file."""
    if not emails:
        return {}
    rows = Membership.objects.filter(tenant_id=tenant_id).values_list("user__email", "user_id")
    return {email.lower(): uid for email, uid in rows if email.lower() in emails}


def _clean_tags(item: ImportItem) -> list[str]:
    tags: list[str] = []
    for raw in item.tags:
        for tag in tags_parse([" ".join(str(raw).split())[:MAX_TAG_LENGTH]]):
            if tag not in tags:
                tags.append(tag)
    if len(tags) > MAX_TAGS:
        item.notes.append(f"only the first {MAX_TAGS} of {len(tags)} tags were kept")
        tags = tags[:MAX_TAGS]
    return tags


def _slug_for(item: ImportItem, taken: dict[str, int | None], *, own_id: int | None) -> str:
    base = slugify(item.slug)[:200] or slugify(item.title)[:200] or "post"
    if item.slug and slugify(item.slug) != item.slug.lower():
        item.notes.append(f"slug '{item.slug[:80]}' became '{base}'")
    slug = base if base not in RESERVED_SLUGS else f"{base}-{item.kind}"
    n = 2
    while slug in taken and taken[slug] != own_id:
        slug, n = f"{base}-{n}", n + 1
    if slug != base:
        item.notes.append(f"the slug '{base}' is taken: imported as '{slug}'")
    return slug


def posts_import(*, tenant: Tenant, parsed: Parsed, importer: User | None, progress=None) -> dict:
    """Upsert `parsed` into the current schema (call inside a transaction). Returns the
    report: counts, imported/updated/skipped entries with reasons, notes."""
    # One import per blog at a time: a second (the same file uploaded twice, two workers)
    # waits here, then finds the first one's posts and updates them instead of adding copies.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"quire-import:{connection.schema_name}"]
        )
    now = timezone.now()
    if parsed.media:
        _media_import(tenant=tenant, parsed=parsed, importer=importer)
    items = parsed.items
    total = len(items)
    keys = [i.source_key for i in items]
    existing: dict[str, Post] = {}
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        for post in Post.objects.filter(**{f"metadata__{SOURCE_KEY}__in": chunk}):
            existing[post.metadata[SOURCE_KEY]] = post
    taken: dict[str, int | None] = dict(Post.objects.values_list("slug", "id"))
    for post_id, old in Post.objects.exclude(old_slugs=[]).values_list("id", "old_slugs"):
        for s in old:
            taken.setdefault(s, post_id)
    authors = _members_by_email(
        tenant_id=tenant.id, emails={i.author_email.lower() for i in items if i.author_email}
    )
    plan = billing_services.subscription_get_or_create(tenant_id=tenant.id).plan
    live = Post.objects.filter(kind=Post.Kind.POST, status__in=_LIVE).count()
    report: dict = {
        "format": parsed.format,
        "imported": [],
        "updated": [],
        "skipped": [],
        "unchanged_count": 0,
        "over_plan": 0,
        "remote_images": 0,
        "comments_skipped": parsed.comments,
    }
    report["skipped"].extend(parsed.skipped)
    if parsed.media:
        stored = [m for m in parsed.media if m.get("new_url")]
        report["media_stored"] = len(stored)
        report["media_failed"] = [
            {"name": m["name"] or m["file"], "reason": m["error"]}
            for m in parsed.media
            if m.get("error")
        ][:REPORT_LIST_MAX]
    to_create: list[Post] = []
    to_update: list[Post] = []
    seen: set[str] = set()
    images: set[str] = set()
    written: dict[int, Post] = {}  # item index -> its post (new, updated or unchanged)
    for index, item in enumerate(items):
        if progress and index % 100 == 0:
            progress(index, total)
        if item.source_key in seen:
            report["skipped"].append({"title": item.title, "reason": "appears twice in the file"})
            continue
        seen.add(item.source_key)
        post = existing.get(item.source_key)
        title = item.title.strip() or "Untitled"
        if len(title) > MAX_TITLE_LENGTH:
            item.notes.append(f"title shortened to {MAX_TITLE_LENGTH} characters")
            title = title[: MAX_TITLE_LENGTH - 1] + "…"
        size = len(item.body.encode())
        if size > MAX_BODY_BYTES:
            report["skipped"].append(
                {
                    "title": title,
                    "reason": f"too long ({size // 1000} KB; "
                    f"posts are limited to {MAX_BODY_BYTES // 1000} KB)",
                }
            )
            continue
        if post is not None:
            written[index] = post
        status, published_at = item.status, item.published_at
        was_live = post is not None and post.kind == Post.Kind.POST and post.status in _LIVE
        if item.kind == Post.Kind.POST and status in _LIVE and not was_live:
            limit = plan.max_published_posts
            if limit is not None and live >= limit:
                status, published_at = Post.Status.DRAFT, None
                report["over_plan"] += 1
                item.notes.append(
                    f"imported as a draft: the {plan.name} plan allows {limit} published posts"
                )
            else:
                live += 1
        tags = _clean_tags(item)
        images.update(item.images)
        fields = {
            "kind": item.kind,
            "title": title,
            "body": item.body,
            "excerpt": item.excerpt.strip(),
            "tags": tags,
            "status": status,
            "published_at": published_at,
            "cover_image_url": item.cover_image_url[:500],
            "meta_description": item.meta_description.strip()[:300],
            "canonical_url": item.canonical_url.strip()[:500],
        }
        if post is not None:
            if all(getattr(post, f) == v for f, v in fields.items() if f != "published_at"):
                report["unchanged_count"] += 1
                continue
            if post.is_published and status == Post.Status.PUBLISHED:
                fields["published_at"] = post.published_at or published_at
            for field, value in fields.items():
                setattr(post, field, value)
            post.body_html = markdown_render(post.body)
            post.summary = _summary(excerpt=post.excerpt, body_html=post.body_html)
            post.search_vector = None
            to_update.append(post)
            report["updated"].append(_entry(post, item))
            continue
        slug = _slug_for(item, taken, own_id=None)
        taken[slug] = 0  # no real id: taken by a post of this import
        body_html = markdown_render(item.body)
        old_slugs = []
        for old in item.old_slugs[:20]:
            old = slugify(old)[:220]
            if old and old not in taken and old not in RESERVED_SLUGS:
                old_slugs.append(old)
                taken[old] = 0
        post = Post(
            slug=slug,
            old_slugs=old_slugs,
            body_html=body_html,
            summary=_summary(excerpt=fields["excerpt"], body_html=body_html),
            author_id=authors.get(item.author_email.lower(), importer.id if importer else None),
            metadata={SOURCE_KEY: item.source_key},
            **fields,
        )
        to_create.append(post)
        written[index] = post
        report["imported"].append(_entry(post, item))
    for start in range(0, len(to_create), BATCH):
        Post.objects.bulk_create(to_create[start : start + BATCH])
        if progress:
            progress(min(total, start + BATCH), total)
    if to_update:
        Post.objects.bulk_update(to_update, [f for f in _FIELDS if f != "metadata"], BATCH)
    by_id = importer.id if importer else None
    PostRevision.objects.bulk_create(
        [
            PostRevision(
                post=p,
                title=p.title,
                body=p.body,
                excerpt=p.excerpt,
                tags=p.tags,
                by_id=by_id,
                origin="import",
                created_at=now,
            )
            for p in (*to_create, *to_update)
        ],
        batch_size=BATCH,
    )
    due = [p.published_at for p in (*to_create, *to_update) if p.status == Post.Status.SCHEDULED]
    if due:
        tenant_services.publish_schedule_note(tenant_id=tenant.id, due_at=min(due))
    if parsed.settings is not None:
        _settings_apply(tenant=tenant, values=parsed.settings, report=report)
    for section in transfer_sections():  # other apps' parts (subscribers)
        if parsed.sections.get(section.key):
            section.restore(tenant=tenant, rows=parsed.sections[section.key], report=report)
    posts = {index: post.id for index, post in written.items()}  # ids: after bulk_create
    posts_imported(tenant=tenant, items=items, posts=posts, report=report)  # comments
    if parsed.members:
        report.setdefault("notes", [])[:0] = [
            f"{len(parsed.members)} member(s) are listed in the export; invite "
            "them from Members (nobody is added without an invitation)."
        ]
    if to_create or to_update:
        _queue_search_refresh(tenant=tenant)
        blog_changed()
    report["remote_images"] = len(images)
    report["remote_image_urls"] = sorted(images)[:REPORT_LIST_MAX]
    report["imported_count"] = len(report["imported"])
    report["updated_count"] = len(report["updated"])
    report["skipped_count"] = len(report["skipped"])
    for name in ("imported", "updated", "skipped"):
        report[name] = report[name][:REPORT_LIST_MAX]
    if report["over_plan"]:
        report["plan_message"] = (
            f"{report['over_plan']} post(s) that were published in the source were imported "
            f"as drafts: the {plan.name} plan allows {plan.max_published_posts} published "
            "posts. Upgrade to publish them."
        )
        report["upgrade_url"] = UPGRADE_PATH
    if progress:
        progress(total, total)
    return report


_LIVE = (Post.Status.PUBLISHED, Post.Status.SCHEDULED)


def _media_import(*, tenant: Tenant, parsed: Parsed, importer: User | None) -> None:
    """A Quire export's images: stored as this blog's files (the same bytes by the same
    importer are one file, so a re-run adds nothing) and every post's references to the old
    blog's URL rewritten to the new one. A file refused (type, size, the plan's storage) is
    noted on its entry (`error`) and its references are left as they were."""
    urls: dict[str, str] = {}
    for entry in parsed.media:
        if entry.get("data") is None:
            entry["error"] = "listed in quire.json but missing from the zip"
            continue
        try:
            media = media_store_bytes(
                tenant=tenant, name=entry["name"] or entry["file"], data=entry.pop("data"),
                created_by=importer,
            )  # fmt: skip
        except (MediaInvalid, LimitReached) as exc:
            entry["error"] = exc.message
            continue
        entry["new_url"] = urls[entry["url"]] = media.url
    for item in parsed.items:
        for old, new in urls.items():
            if old in item.body:
                item.body = item.body.replace(old, new)
        if item.cover_image_url in urls:
            item.cover_image_url = urls[item.cover_image_url]


def _entry(post: Post, item: ImportItem) -> dict:
    return {
        "title": post.title,
        "slug": post.slug,
        "status": post.status,
        "kind": post.kind,
        "notes": item.notes[:10],
    }


def _queue_search_refresh(*, tenant: Tenant) -> None:
    """One task fills every vector the import left empty (in this blog's schema only)."""
    dispatch.search_fill(schema_name=tenant.schema_name)


def _settings_apply(*, tenant: Tenant, values: dict, report: dict) -> None:
    """A Quire export's settings. Invalid values are reported and left as they were."""
    current = blog_settings_get()
    fields = {
        name: values.get(name, getattr(current, name))
        for name in (
            "title",
            "tagline",
            "description",
            "theme",
            "accent",
            "posts_per_page",
            "navigation",
            "footer",
        )
    }
    fields = {k: (v if v is not None else "") for k, v in fields.items()}
    try:
        # The file is the uploader's: its links go through the settings form's own checks.
        nav = fields["navigation"] if isinstance(fields["navigation"], list) else []
        fields["navigation"] = navigation_parse(
            "\n".join(
                f"{link.get('label', '')} | {link.get('url', '')}"
                for link in nav
                if isinstance(link, dict)
            )
        )
        fields["posts_per_page"] = int(fields["posts_per_page"])
        blog_settings_update(
            tenant=tenant, language=values.get("language") or tenant.language, **fields
        )
        report["settings_applied"] = True
    except (SettingsInvalid, TypeError, ValueError) as exc:
        report["settings_applied"] = False
        report.setdefault("notes", []).append(f"settings not applied: {exc}")
