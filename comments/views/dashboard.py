"""Dashboard → Comments: the moderation queue (pending, spam, approved; one at a time or in
bulk) and the blog's rules. Owners and editors moderate every post; authors their own posts.
Only owners change the rules; each writer chooses how they hear of comments."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from comments import selectors, services
from comments.forms import CommentRulesForm, blocks_text
from comments.models import Comment
from comments.rules import comment_rules_get
from shared.accounts.models import Membership
from shared.accounts.permissions import member_required, owner_required

TABS = (Comment.Status.PENDING, Comment.Status.SPAM, Comment.Status.APPROVED)


def _author_only(request: HttpRequest) -> int | None:
    return request.user.id if request.role == Membership.Role.AUTHOR else None


@member_required
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", Comment.Status.PENDING)
    if status not in TABS:
        status = Comment.Status.PENDING
    before = request.GET.get("before", "")
    author = _author_only(request)
    comments = selectors.moderation_queue(
        status=status, author_id=author, before_id=int(before) if before.isdecimal() else None
    )
    rules = comment_rules_get()
    context = {
        "status": status,
        "tabs": TABS,
        "comments": comments,
        "counts": selectors.queue_counts(author_id=author),
        "next_before": comments[-1].id if len(comments) == 50 else None,
        "notify": (rules.notifications or {}).get(str(request.user.id), "each"),
        "is_owner": request.role == Membership.Role.OWNER,
    }
    return render(request, "comments/dashboard/queue.html", context)


@require_POST
@member_required
def moderate(request: HttpRequest) -> HttpResponse:
    action, _, single = request.POST.get("single", "").partition(":")
    if single.isdecimal():  # a row's own button
        ids = [int(single)]
    else:
        ids = [int(i) for i in request.POST.getlist("comment") if i.isdecimal()]
        action = request.POST.get("action", "")
    if not ids:
        messages.error(request, "Tick at least one comment first.")
    else:
        try:
            changed = services.comments_moderate(
                tenant_id=request.tenant.id, comment_ids=ids, action=action,
                author_id=_author_only(request),
            )  # fmt: skip
            messages.success(request, f"{changed} comment{'s' if changed != 1 else ''}: {action}.")
        except services.CommentInvalid as exc:
            messages.error(request, exc.message)
    status = request.POST.get("status", "pending")
    return redirect(f"/dashboard/comments/?status={status if status in TABS else 'pending'}")


@require_POST
@member_required
def notifications(request: HttpRequest) -> HttpResponse:
    try:
        services.notifications_choose(
            user_id=request.user.id, choice=request.POST.get("notify", "")
        )
        messages.success(request, "Saved how you hear of new comments.")
    except services.CommentInvalid as exc:
        messages.error(request, exc.message)
    return redirect("/dashboard/comments/")


@owner_required
def rules(request: HttpRequest) -> HttpResponse:
    current = comment_rules_get()
    if request.method == "POST":
        form = CommentRulesForm(request.POST)
        if form.is_valid():
            services.comment_rules_set(**form.cleaned_data)
            messages.success(request, "Comment rules saved.")
            return redirect("/dashboard/comments/rules/")
    else:
        initial = {f: getattr(current, f) for f in services.RULE_FIELDS}
        form = CommentRulesForm(initial=initial | {"blocks": blocks_text(current.blocks or [])})
    return render(request, "comments/dashboard/rules.html", {"form": form})
