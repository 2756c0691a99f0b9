"""The post editor's "Comments" box (blog.editor's registry): open as the blog's rules say,
off, or closing a number of days after publishing. Kept in `Post.metadata["comments"]`."""

from django.http import HttpRequest

from blog.editor import EditorBox
from blog.models import Post
from blog.services.posts import post_metadata_set
from comments.rules import POST_OPTION
from comments.services import CommentInvalid


def _chosen(request: HttpRequest) -> object:
    choice = request.POST.get("comments_option", "")
    if choice == "days":
        days = request.POST.get("comments_days", "").strip()
        if not (days.isdecimal() and 0 < int(days) <= 3650):
            raise CommentInvalid("Close comments after a number of days from 1 to 3650.")
        return int(days)
    return {"off": "off", "open": "open"}.get(choice)


def _context(request: HttpRequest, *, post: Post | None, kind: str) -> dict:
    if kind != Post.Kind.POST:
        return {}
    current = (post.metadata or {}).get(POST_OPTION) if post else None
    return {
        "comments_box": True,
        "comments_current": current,
        "comments_days": current if isinstance(current, int) else "",
    }


def _check(request: HttpRequest, *, post: Post | None, kind: str, action: str) -> None:
    if kind == Post.Kind.POST and "comments_option" in request.POST:
        _chosen(request)


def _saved(request: HttpRequest, *, post: Post, kind: str, action: str) -> None:
    if kind == Post.Kind.POST and "comments_option" in request.POST:
        post_metadata_set(post_id=post.id, key=POST_OPTION, value=_chosen(request))


COMMENTS_BOX = EditorBox(name="comments", context=_context, check=_check, saved=_saved)
