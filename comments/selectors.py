"""Reading comments: a post's thread in one query, counts for lists, the moderation queue."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.db.models import Count, Q

from comments.models import Comment, Like

Status = Comment.Status
SHOWN = (Status.APPROVED, Status.DELETED)


class ThreadComment(NamedTuple):
    """What a thread shows of a comment (a `Comment` has the same attributes)."""

    id: int
    post_id: int
    parent_id: int | None
    author_name: str
    author_url: str
    author_email: str
    remote_actor: str
    body_html: str
    status: str
    likes: int
    created_at: datetime
    edited_at: datetime | None
    user_id: int | None
    member_id: int | None


@dataclass
class ThreadItem:
    comment: "ThreadComment | Comment"
    replies: list["ThreadItem"] = field(default_factory=list)
    answers: str = ""  # the name of the comment a deeper reply answers ("" for direct ones)


def thread(*, post_id: int, extra: list[Comment] | None = None) -> tuple[list[ThreadItem], int]:
    """A post's published comments as two levels: each top comment with its replies (replies
    to replies, at any depth, sit at the second level in time order, each saying whom it
    answers). One query. `extra` adds comments not (yet) published, such as the reader's own
    pending ones. Returns the items and the count of published comments."""
    # Plain rows, not model instances: a thread of 500 loads in a quarter of the time.
    rows: list = [
        ThreadComment(*values)
        for values in Comment.objects.filter(post_id=post_id, status__in=SHOWN).values_list(
            *ThreadComment._fields
        )
    ]
    count = sum(1 for c in rows if c.status == Status.APPROVED)
    rows += [c for c in extra or [] if c.post_id == post_id and c.status == Status.PENDING]
    rows.sort(key=lambda c: (c.created_at, c.id))
    by_id = {c.id: c for c in rows}
    top: dict[int, ThreadItem] = {}
    items: list[ThreadItem] = []
    for comment in rows:
        root = comment
        seen = 0
        while root.parent_id is not None and root.parent_id in by_id and seen < 1000:
            root, seen = by_id[root.parent_id], seen + 1
        if root is comment:
            item = top[comment.id] = ThreadItem(comment)
            items.append(item)
        elif root.id in top:
            parent = by_id[comment.parent_id]
            answers = parent.author_name if parent.id != root.id else ""
            if parent.status == Status.DELETED and answers:
                answers = "a deleted comment"
            top[root.id].replies.append(ThreadItem(comment, answers=answers))
    # A deleted placeholder whose replies all went (spam, removed) is not shown.
    items = [i for i in items if i.comment.status != Status.DELETED or i.replies]
    return items, count


def comment_counts(*, post_ids: list[int]) -> dict[int, dict[str, int]]:
    """{post id: {"comments": published comments, "likes": likes of the post}}: two queries."""
    result = {pid: {"comments": 0, "likes": 0} for pid in post_ids}
    rows = (
        Comment.objects.filter(post_id__in=post_ids, status=Status.APPROVED)
        .values("post_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        result[row["post_id"]]["comments"] = row["n"]
    likes = (
        Like.objects.filter(post_id__in=post_ids, comment__isnull=True)
        .values("post_id")
        .annotate(n=Count("id"))
    )
    for row in likes:
        result[row["post_id"]]["likes"] = row["n"]
    return result


def post_likes(*, post_id: int) -> int:
    return Like.objects.filter(post_id=post_id, comment__isnull=True).count()


def own_comments(*, member_id: int | None, user_id: int | None, guest_ids: list[int], post_id: int):
    """The reader's own comments under a post that others don't see yet (pending)."""
    who = Q(id__in=guest_ids)
    if member_id is not None:
        who |= Q(member_id=member_id)
    if user_id is not None:
        who |= Q(user_id=user_id)
    return list(Comment.objects.filter(who, post_id=post_id, status=Status.PENDING))


def liked_by(*, post_id: int, who: str) -> set[int | None]:
    """Which of a post's likes are this reader's: comment ids, and None for the post itself."""
    if not who:
        return set()
    return set(Like.objects.filter(post_id=post_id, who=who).values_list("comment_id", flat=True))


def moderation_queue(
    *, status: str, author_id: int | None = None, limit: int = 50, before_id: int | None = None
) -> list[Comment]:
    """The queue's page, newest first, with each comment's post (one query)."""
    found = (
        Comment.objects.filter(status=status)
        .select_related("post")
        .defer("post__body", "post__body_html", "post__search_vector", "post__title_vector")
    )
    if author_id is not None:
        found = found.filter(post__author_id=author_id)
    if before_id is not None:
        found = found.filter(id__lt=before_id)
    return list(found.order_by("-id")[:limit])


def queue_counts(*, author_id: int | None = None) -> dict[str, int]:
    found = Comment.objects.all()
    if author_id is not None:
        found = found.filter(post__author_id=author_id)
    counts = dict(found.values_list("status").annotate(n=Count("id")))
    return {s: counts.get(s, 0) for s in (Status.PENDING, Status.SPAM, Status.APPROVED)}
