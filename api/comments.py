"""Comments in the APIs: a post's approved comments in the Content API, and the moderation
queue in the Admin API (owners and editors: every post; authors: their own posts). Both go
through comments' selectors and services, as the dashboard does."""

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from api.common import ApiError, ErrorOut
from blog.models import Post
from comments import selectors, services
from comments.models import Comment

Status = Comment.Status


class CommentOut(Schema):
    id: int
    post_id: int
    parent_id: int | None
    status: str
    author_name: str
    author_url: str
    html: str
    likes: int
    created_at: datetime
    edited_at: datetime | None


class CountsOut(Schema):
    comments: int
    likes: int


class CommentList(Schema):
    comments: list[CommentOut]
    counts: CountsOut


class QueueParams(Schema):
    status: str = Field("pending", pattern="^(pending|spam|approved)$")
    before: int | None = Field(None, ge=1)
    limit: int = Field(50, ge=1, le=200)


class ModerateIn(Schema):
    ids: list[int] = Field(..., min_length=1, max_length=500)
    action: str = Field(..., pattern="^(approve|spam|delete|block)$")


class ModerateOut(Schema):
    changed: int


class AdminCommentOut(CommentOut):
    author_email: str
    reason: str
    source: str


class AdminCommentList(Schema):
    comments: list[AdminCommentOut]


def _out(comment: Comment, *, admin: bool = False) -> dict:
    deleted = comment.status == Status.DELETED
    out = {
        "id": comment.id,
        "post_id": comment.post_id,
        "parent_id": comment.parent_id,
        "status": comment.status,
        "author_name": "" if deleted else comment.author_name,
        "author_url": "" if deleted else comment.author_url,
        "html": comment.body_html,
        "likes": comment.likes,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
    }
    if admin:
        out |= {"author_email": comment.author_email, "reason": comment.reason,
                "source": comment.source}  # fmt: skip
    return out


content_router = Router(tags=["comments"])


@content_router.get(
    "/posts/slug/{slug}/comments/",
    response={200: CommentList, 404: ErrorOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut},
    operation_id="post_comments",
)
def post_comments(request: HttpRequest, slug: str):
    """A published post's approved comments (and deleted placeholders that have replies), in
    the order written; `parent_id` threads them. Not cached with the blog's pages: comments
    change more often than posts."""
    post = Post.objects.filter(slug=slug, status=Post.Status.PUBLISHED, kind="post").first()
    if post is None:
        raise Http404
    items, _count = selectors.thread(post_id=post.id)
    flat = [c for item in items for c in [item.comment, *(r.comment for r in item.replies)]]
    counts = selectors.comment_counts(post_ids=[post.id])[post.id]
    return {"comments": [_out(c) for c in flat], "counts": counts}


admin_router = Router(tags=["comments"])
_ADMIN_ERRORS = {400: ErrorOut, 401: ErrorOut, 402: ErrorOut, 403: ErrorOut, 429: ErrorOut}


def _author_only(request: HttpRequest) -> int | None:
    actor = request.auth
    return actor.user_id if actor.role == "author" else None


@admin_router.get("/comments/", response={200: AdminCommentList, **_ADMIN_ERRORS},
                  operation_id="admin_comments_list")  # fmt: skip
def comments_list(request: HttpRequest, params: Query[QueueParams]):
    """The moderation queue, newest first; page with `before` (the last id seen)."""
    comments = selectors.moderation_queue(
        status=params.status, author_id=_author_only(request), limit=params.limit,
        before_id=params.before,
    )  # fmt: skip
    return {"comments": [_out(c, admin=True) for c in comments]}


@admin_router.post("/comments/moderate/", response={200: ModerateOut, **_ADMIN_ERRORS},
                   operation_id="admin_comments_moderate")  # fmt: skip
def comments_moderate(request: HttpRequest, payload: ModerateIn):
    """Approve, mark as spam, delete or block (spam, and block the author) comments by id;
    `changed` counts those that changed (an author's are limited to their own posts)."""
    try:
        changed = services.comments_moderate(
            tenant_id=request.tenant.id, comment_ids=payload.ids, action=payload.action,
            author_id=_author_only(request),
        )  # fmt: skip
    except services.CommentInvalid as exc:
        raise ApiError(400, "invalid", exc.message) from exc
    return {"changed": changed}
