"""Post history on the dashboard: the list of revisions, a diff, and restore."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from blog import history, services
from blog.models import Post, PostRevision
from shared.accounts.permissions import can_edit_post, member_required
from shared.billing.exceptions import LimitReached


def _editable_post(request: HttpRequest, pk: int) -> Post | HttpResponse:
    post = get_object_or_404(Post, pk=pk)
    if not can_edit_post(role=request.role, user_id=request.user.id, post=post):
        message = "You can only see the history of your own posts."
        return render(request, "blog/dashboard/forbidden.html", {"message": message}, status=403)
    return post


@member_required
def post_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The revisions of a post, newest first; `?rev=<id>` shows that one's diff."""
    post = _editable_post(request, pk)
    if isinstance(post, HttpResponse):
        return post
    revisions = list(history.post_revisions(post=post))
    chosen = next((r for r in revisions if str(r.id) == request.GET.get("rev")), None)
    if chosen is None and len(revisions) > 1:
        chosen = revisions[1]  # the one before the current state: what an undo would bring
    diff = history.revision_diff(post=post, revision=chosen) if chosen else []
    context = {"post": post, "revisions": revisions, "chosen": chosen, "diff": diff}
    return render(request, "blog/dashboard/history.html", context)


@require_POST
@member_required
def post_history_restore(request: HttpRequest, pk: int, revision_id: int) -> HttpResponse:
    post = _editable_post(request, pk)
    if isinstance(post, HttpResponse):
        return post
    revision = get_object_or_404(PostRevision, pk=revision_id, post=post)
    try:
        services.post_revision_restore(
            tenant=request.tenant, post=post, revision=revision, by=request.user
        )
    except (services.PostInvalid, LimitReached) as exc:
        messages.error(request, f"Not restored: {exc}")
        return redirect("post_history", pk=post.id)
    when = revision.created_at.strftime("%Y-%m-%d %H:%M")
    messages.success(request, format_html("Restored “{}” as saved at {} UTC.", post.title, when))
    return redirect("post_edit", pk=post.id)
