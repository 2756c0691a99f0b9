"""Post history: every save through the dashboard, a restore or an import keeps a revision.

`post_create_recorded` / `post_update_recorded` wrap the post services (whose signatures stay
as they are) and record the saved state in the same transaction. The table stays lean: an
autosave replaces the autosave right before it (same writer), a save that changes nothing is
not recorded, and each post keeps its newest `MAX_REVISIONS_PER_POST` revisions.
"""

from django.db import transaction
from django.utils import timezone

from blog.models import Post, PostRevision
from blog.services.posts import post_create, post_update
from shared.accounts.models import User
from tenants.models import Tenant

MAX_REVISIONS_PER_POST = 50
_TRACKED = ("title", "body", "excerpt", "tags")


def post_revision_record(
    *, post: Post, by: User | None, autosave: bool = False, origin: str = ""
) -> PostRevision | None:
    """Record `post` as saved (the current schema). Returns the revision written or reused,
    None when nothing changed since the newest one."""
    latest = PostRevision.objects.filter(post=post).order_by("-created_at", "-id").first()
    state = {field: getattr(post, field) for field in _TRACKED}
    if latest is not None and all(getattr(latest, f) == v for f, v in state.items()):
        return None
    by_id = by.id if by is not None else None
    if autosave and latest is not None and latest.autosave and latest.by_id == by_id:
        # Coalesce: a run of autosaves by one writer is one revision, the newest state.
        for field, value in state.items():
            setattr(latest, field, value)
        latest.created_at = timezone.now()
        latest.save(update_fields=[*_TRACKED, "created_at"])
        return latest
    revision = PostRevision.objects.create(
        post=post, by_id=by_id, autosave=autosave, origin=origin, **state
    )
    old = PostRevision.objects.filter(post=post).order_by("-created_at", "-id")
    old_ids = list(old.values_list("id", flat=True)[MAX_REVISIONS_PER_POST:])
    if old_ids:
        PostRevision.objects.filter(id__in=old_ids).delete()
    return revision


def post_create_recorded(*, tenant: Tenant, author: User, **fields) -> Post:
    """`post_create` (same arguments) and its first revision, in one transaction."""
    with transaction.atomic():
        post = post_create(tenant=tenant, author=author, **fields)
        post_revision_record(post=post, by=author)
    return post


def post_update_recorded(
    *, tenant: Tenant, post: Post, by: User, autosave: bool = False, **fields
) -> Post:
    """`post_update` (same arguments) and a revision of the result, in one transaction."""
    with transaction.atomic():
        post = post_update(tenant=tenant, post=post, **fields)
        post_revision_record(post=post, by=by, autosave=autosave)
    return post


def post_revision_restore(*, tenant: Tenant, post: Post, revision: PostRevision, by: User) -> Post:
    """Bring `revision`'s title, body, excerpt and tags back as a new save of `post`: the same
    checks, rendering, cache invalidation and search refresh as any save, and a new revision
    (the history keeps what was replaced). The post's status and slug are left as they are."""
    if revision.post_id != post.id:
        raise ValueError("the revision belongs to another post")
    with transaction.atomic():
        post = post_update(
            tenant=tenant,
            post=post,
            title=revision.title,
            body=revision.body,
            tags=list(revision.tags),
            excerpt=revision.excerpt,
            action="save",
        )
        post_revision_record(post=post, by=by, origin="restore")
    return post
