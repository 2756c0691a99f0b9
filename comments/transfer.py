"""Comments in imports and exports (blog.transfer's registries): the comments a WordPress or
Ghost file carries on its items (`comments_imported`, run after the posts are written), and
the comments and likes of a Quire export (`COMMENTS_SECTION`, `POST_LIKES_SECTION`).

Imported comments are written in bulk, in the import's transaction: no notification, no
webhook, no spam check, no daily count. Their HTML is rendered here from their Markdown,
never taken from the file. Threads survive: once every comment has its id, each reply gets
the comment its file named as parent (a parent missing, on another post or among its own
replies leaves the reply at the top level). A deleted comment is imported as a placeholder
only where replies hang from it.

Importing the same file again adds nothing: a comment is taken to be one already on its
post when their times, author emails and texts are the same. This holds across files too,
so a newer export of the same site adds only the comments written since the last import.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from blog.cache import blog_changed
from blog.imports.common import ImportItem
from blog.transfer import TransferSection, post_sources, posts_by_source
from comments.markup import comment_render
from comments.models import BODY_LIMIT, Comment, Like
from comments.transfer_rows import (
    COMMENT_ROWS,
    POST_LIKE_ROWS,
    People,
    clean_email,
    clean_ip,
    clean_url,
    when,
)
from lib.shapes import ShapeError, shape_check
from tenants.models import Tenant

Status = Comment.Status
ANONYMOUS = "Anonymous"
IMPORT_BODY_LIMIT = 10 * BODY_LIMIT  # longer than any real comment; WordPress allows 65,525
BATCH = 1000


# --- writing -------------------------------------------------------------------------------


def _comment(post_id: int, row: dict, *, now: datetime, source: str) -> Comment | str:
    """The Comment a row makes (unsaved), or why the row is not imported."""
    status = row.get("status") if row.get("status") in Status.values else Status.PENDING
    body = "" if status == Status.DELETED else str(row.get("body") or "").strip()
    if not body and status != Status.DELETED:
        return "empty"
    if len(body) > IMPORT_BODY_LIMIT:
        return "too long"
    return Comment(
        post_id=post_id,
        author_name=" ".join(str(row.get("author_name") or "").split())[:100] or ANONYMOUS,
        author_email=clean_email(row.get("author_email")),
        author_url=clean_url(row.get("author_url"), limit=300),
        body=body,
        body_html=comment_render(body) if body else "",
        status=status,
        source=source,
        reason=str(row.get("reason") or "")[:100],
        ip=clean_ip(row.get("ip")),
        created_at=row.get("created_at") or now,
    )


def _key(comment: Comment) -> tuple:
    return (comment.post_id, comment.created_at, comment.author_email.lower(), comment.body)


def _placeholders_kept(rows: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
    """The rows less the deleted comments no reply hangs from (deeper first, so a chain of
    deleted comments with no live reply at its end goes whole)."""
    while True:
        parents = {(post_id, str(row.get("parent") or "")) for post_id, row in rows}
        kept = [
            (post_id, row)
            for post_id, row in rows
            if row.get("status") != Status.DELETED or (post_id, str(row.get("id") or "")) in parents
        ]
        if len(kept) == len(rows):
            return kept
        rows = kept


def _threads_set(pending: list[tuple[Comment, str]], by_ref: dict[str, Comment]) -> None:
    """Each new comment's parent, by the file's ids; a link that would close a loop is cut."""
    links: dict[int, int] = {}
    for comment, parent_ref in pending:
        parent = by_ref.get(parent_ref) if parent_ref else None
        if parent is not None and parent.post_id == comment.post_id and parent.pk != comment.pk:
            links[comment.pk] = parent.pk
    for child in list(links):
        seen, node = {child}, links[child]
        while node in links:  # only new comments can loop: those already here never point down
            if node in seen:
                if node == child:
                    del links[child]
                break
            seen.add(node)
            node = links[node]
    changed = []
    for comment, _ in pending:
        if comment.pk in links:
            comment.parent_id = links[comment.pk]
            changed.append(comment)
    Comment.objects.bulk_update(changed, ["parent"], batch_size=BATCH)


@dataclass
class _Written:
    by_ref: dict[str, Comment] = field(default_factory=dict)  # the file's id -> its comment
    imported: int = 0
    existing: int = 0  # found already on their posts
    skipped: Counter = field(default_factory=Counter)  # why -> how many

    def report(self, report: dict) -> None:
        report["comments_imported"] = report.get("comments_imported", 0) + self.imported
        report["comments_existing"] = report.get("comments_existing", 0) + self.existing
        if self.skipped:
            reasons = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()))
            report.setdefault("notes", []).append(f"Comments not imported: {reasons}.")


def _write(
    rows: list[tuple[int, dict]],
    *,
    source: str,
    extra: Callable[[Comment, dict], None] | None = None,
) -> _Written:
    """Write `rows` ((post id, row)); `extra(comment, row)` may set more fields."""
    now, written = timezone.now(), _Written()
    kept = _placeholders_kept(rows)
    if len(kept) < len(rows):
        written.skipped["deleted without replies"] = len(rows) - len(kept)
    have: dict[tuple, Comment] = {}
    post_ids = sorted({post_id for post_id, _ in kept})
    for start in range(0, len(post_ids), 500):
        for comment in Comment.objects.filter(post_id__in=post_ids[start : start + 500]).only(
            "id", "post_id", "created_at", "author_email", "body"
        ):
            have.setdefault(_key(comment), comment)
    pending: list[tuple[Comment, str]] = []
    for post_id, row in sorted(kept, key=lambda r: r[1].get("created_at") or now):
        comment = _comment(post_id, row, now=now, source=source)
        if isinstance(comment, str):
            written.skipped[comment] += 1
            continue
        ref = str(row.get("id") or "")
        found = have.get(_key(comment))
        if found is not None:  # imported before (or twice in this file)
            written.existing += 1
            if ref:
                written.by_ref.setdefault(ref, found)
            continue
        if extra is not None:
            extra(comment, row)
        have[_key(comment)] = comment
        if ref:
            written.by_ref.setdefault(ref, comment)
        pending.append((comment, str(row.get("parent") or "")))
    Comment.objects.bulk_create([c for c, _ in pending], batch_size=BATCH)
    _threads_set(pending, written.by_ref)
    written.imported = len(pending)
    if pending:
        blog_changed()  # the threads readers see (cached under the blog's version)
    return written


# --- WordPress and Ghost files -------------------------------------------------------------


def comments_imported(
    *, tenant: Tenant, items: list[ImportItem], posts: dict[int, int], report: dict
) -> None:
    """blog.transfer's hook: the comments each written item carries, as source "import"."""
    rows = [(posts[i], row) for i, item in enumerate(items) if i in posts for row in item.comments]
    if not rows:
        return
    written = _write(rows, source=Comment.Source.IMPORT)
    written.report(report)
    done = written.imported + written.existing  # the rest: skipped here or by the reader
    report["comments_skipped"] = max(0, report.get("comments_skipped", 0) - done)


# --- Quire's own export --------------------------------------------------------------------


def _likes(*, of_comments: bool) -> list[Like]:
    return list(Like.objects.filter(comment__isnull=not of_comments).order_by("id"))


def comments_export() -> list[dict]:
    """Every comment of the blog with its thread (`parent`: the exported id), its state and
    who liked it; a member, writer or liker is named by email (ids mean nothing elsewhere)."""
    sources, likes = post_sources(), _likes(of_comments=True)
    people = People.for_export(
        user_ids=Comment.objects.exclude(user_id=None).values_list("user_id", flat=True),
        likes=likes,
    )
    liked: dict[int, list[dict]] = {}
    for like in likes:
        row = people.like_row(like)
        if row is not None:
            liked.setdefault(like.comment_id, []).append(row)
    rows = []
    for c in Comment.objects.select_related("member").order_by("id").iterator(chunk_size=2000):
        rows.append(
            {
                "id": c.id,
                "parent": c.parent_id,
                "post": sources.get(c.post_id, ""),
                "status": c.status,
                "source": c.source,
                "reason": c.reason,
                "author_name": c.author_name,
                "author_email": c.author_email,
                "author_url": c.author_url,
                "remote_actor": c.remote_actor,
                "member": c.member.email if c.member else "",
                "user": people.user_emails.get(c.user_id, ""),
                "body": c.body,
                "ip": c.ip or "",
                "notify_replies": c.notify_replies,
                "created_at": c.created_at.isoformat(),
                "edited_at": c.edited_at.isoformat() if c.edited_at else None,
                "likes": liked.get(c.id, []),
            }
        )
    return rows


def post_likes_export() -> list[dict]:
    """The likes of posts themselves (a comment's likes are in its row)."""
    sources, likes = post_sources(), _likes(of_comments=False)
    people = People.for_export(user_ids=[], likes=likes)
    rows = [(like, people.like_row(like)) for like in likes]
    return [{"post": sources[like.post_id], **row} for like, row in rows if row is not None]


def _checked(rows: list[dict], shape: object, *, what: str, report: dict) -> bool:
    try:
        shape_check(rows, shape, f"quire.json {what}")
    except ShapeError as exc:
        report.setdefault("notes", []).append(f"{what} not imported: {exc.message}")
        return False
    return True


def comments_restore(*, tenant: Tenant, rows: list[dict], report: dict) -> None:
    """A Quire export's comments, each on the post its `post` names, with its thread, state,
    source and likes. A member, writer or liker is matched by email to this blog's
    subscribers and members; a like nobody here matches is left out (and counted)."""
    if not _checked(rows, COMMENT_ROWS, what="comments", report=report):
        return
    posts = posts_by_source(sources=(row["post"] for row in rows))
    people = People.for_restore(
        tenant=tenant, named=rows + [like for row in rows for like in row.get("likes") or []]
    )
    found = [
        (posts[row["post"]], {**row, "created_at": when(row.get("created_at"))})
        for row in rows
        if row["post"] in posts
    ]

    def extra(comment: Comment, row: dict) -> None:
        if row.get("source") in Comment.Source.values:
            comment.source = row["source"]
        comment.member_id = people.member_ids.get(clean_email(row.get("member")))
        comment.user_id = people.user_ids.get(clean_email(row.get("user")))
        comment.remote_actor = clean_url(row.get("remote_actor"), limit=500)
        comment.edited_at = when(row.get("edited_at"))
        comment.notify_replies = row.get("notify_replies") is not False

    written = _write(found, source=Comment.Source.IMPORT, extra=extra)
    if len(found) < len(rows):
        written.skipped["on posts not imported"] = len(rows) - len(found)
    written.report(report)
    done = written.imported + written.existing
    report["comments_skipped"] = report.get("comments_skipped", 0) + len(rows) - done
    likes = []
    for _, row in found:
        comment = written.by_ref.get(str(row["id"]))
        if comment is not None:
            likes += [(comment.post_id, comment.pk, like) for like in row.get("likes") or []]
    _likes_restore(likes, people=people, report=report)
    counted = Like.objects.filter(comment_id=OuterRef("id")).values("comment_id")
    Comment.objects.filter(id__in={c for _, c, _ in likes}).update(
        likes=Coalesce(Subquery(counted.annotate(n=Count("id")).values("n")), Value(0))
    )


def post_likes_restore(*, tenant: Tenant, rows: list[dict], report: dict) -> None:
    """A Quire export's likes of posts, matched to this blog's posts and people."""
    if not _checked(rows, POST_LIKE_ROWS, what="post likes", report=report):
        return
    posts = posts_by_source(sources=(row["post"] for row in rows))
    people = People.for_restore(tenant=tenant, named=rows)
    likes = [(posts[row["post"]], None, row) for row in rows if row["post"] in posts]
    _likes_restore(likes, people=people, report=report)


def _likes_restore(
    likes: list[tuple[int, int | None, dict]], *, people: People, report: dict
) -> None:
    """(post id, comment id or None, the like's row) -> Like rows; one already here stays."""
    made = []
    for post_id, comment_id, row in likes:
        who = people.who(row)
        if who:
            made.append(
                Like(post_id=post_id, comment_id=comment_id, who=who,
                     created_at=when(row.get("created_at")) or timezone.now())
            )  # fmt: skip
    before = Like.objects.count()
    Like.objects.bulk_create(made, batch_size=BATCH, ignore_conflicts=True)
    added = Like.objects.count() - before
    report["likes_restored"] = report.get("likes_restored", 0) + added
    if len(made) < len(likes):
        report.setdefault("notes", []).append(
            f"{len(likes) - len(made)} like(s) not restored: their members are not "
            "subscribers or members of this blog."
        )


COMMENTS_SECTION = TransferSection(key="comments", export=comments_export, restore=comments_restore)
POST_LIKES_SECTION = TransferSection(
    key="post_likes", export=post_likes_export, restore=post_likes_restore
)
