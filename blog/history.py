"""Reads for post history: the revisions of a post and a line diff against the post now."""

import difflib
from dataclasses import dataclass

from django.db.models import QuerySet

from blog.models import Post, PostRevision


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add" (in the current version only), "del" (in the revision only), "ctx", "hunk"
    text: str


def post_revisions(*, post: Post) -> QuerySet[PostRevision]:
    """Newest first, with who saved each (one query: users live in public, on the path)."""
    return (
        PostRevision.objects.filter(post=post).select_related("by").order_by("-created_at", "-id")
    )


def _as_text(*, title: str, tags: list[str], excerpt: str, body: str) -> list[str]:
    head = [f"Title: {title}", f"Tags: {', '.join(tags)}", f"Excerpt: {excerpt}", ""]
    return head + body.splitlines()


def revision_diff(*, post: Post, revision: PostRevision, context: int = 3) -> list[DiffLine]:
    """What restoring `revision` would change: the revision's lines against the current
    post's, as a unified diff. Plain text; the template escapes it."""
    old = _as_text(
        title=revision.title, tags=revision.tags, excerpt=revision.excerpt, body=revision.body
    )
    new = _as_text(title=post.title, tags=post.tags, excerpt=post.excerpt, body=post.body)
    lines: list[DiffLine] = []
    for line in difflib.unified_diff(old, new, "revision", "current", n=context, lineterm=""):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            lines.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("del", line[1:]))
        else:
            lines.append(DiffLine("ctx", line[1:]))
    return lines
