"""Moderating from a mail: the post author's approve / spam buttons, and a commenter's
one-click unsubscribe from replies (RFC 8058). Authorised by the signed link, not by a login:
GET shows the button (mail scanners open links), POST acts."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from comments import services, tokens
from comments.models import Comment
from comments.views.common import reader_context


def _page(request: HttpRequest, template: str, status: int = 200, **context) -> HttpResponse:
    response = render(request, template, reader_context(request, **context), status=status)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def moderate_link(request: HttpRequest, token: str) -> HttpResponse:
    comment_id = tokens.link_read(
        schema=request.tenant.schema_name, purpose="moderate", token=token
    )
    comment = Comment.objects.select_related("post").filter(id=comment_id).first()
    if comment is None:
        return _page(
            request,
            "comments/moderate_link.html",
            400,
            error="This link has expired or its comment is gone: moderate from the dashboard.",
        )
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ("approve", "spam"):
            return _page(
                request,
                "comments/moderate_link.html",
                400,
                comment=comment,
                error="Choose approve or spam.",
            )
        services.comments_moderate(
            tenant_id=request.tenant.id, comment_ids=[comment.id], action=action
        )
        comment.refresh_from_db()
        return _page(request, "comments/moderate_link.html", comment=comment, done=action)
    return _page(request, "comments/moderate_link.html", comment=comment)


@csrf_exempt
def replies_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    comment_id = tokens.link_read(schema=request.tenant.schema_name, purpose="replies", token=token)
    if comment_id is None:
        return _page(
            request,
            "comments/replies_unsubscribe.html",
            400,
            error="This unsubscribe link is not valid for this blog.",
        )
    if request.method == "POST":
        services.replies_unsubscribe(comment_id=comment_id)
        return _page(request, "comments/replies_unsubscribe.html", done=True)
    return _page(request, "comments/replies_unsubscribe.html")
