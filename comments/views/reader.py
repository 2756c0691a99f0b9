"""A post's comments for readers: the cached thread fragment, the reader's own state, and the
writes (comment, edit, delete, like), which answer JSON to the page's script.

The writes are exempt from Django's CSRF token (the thread sits under cached pages that carry
none) and guarded instead by the browser's own word: a POST whose `Origin` (or, without one,
`Sec-Fetch-Site`) names another site is refused, and the member cookie is SameSite=Lax, so a
form on another site never posts with it. A forged guest comment is no more than anyone can
post, and it meets the same spam defences.
"""

import json
from hashlib import blake2b

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from blog.cache import blog_key
from blog.models import Post
from comments import cache, selectors, services, tokens
from comments import html as comment_markup
from comments.feeds import PostCommentsFeed
from comments.models import BODY_LIMIT
from comments.rules import (
    comment_rules_get,
    commenter_from_request,
    may_comment,
    post_comments_state,
)
from lib.errors import ApplicationError
from lib.urls import same_site_request
from shared.accounts.ratelimits import client_ip, limit

PRIVATE = "private, no-store"


def _post(post_id: int) -> Post:
    post = (
        Post.objects.filter(id=post_id, status=Post.Status.PUBLISHED)
        .only("id", "kind", "metadata", "published_at", "author_id", "slug", "title", "status")
        .first()
    )
    if post is None:
        raise Http404("No such post")
    return post


def _error(message: str, status: int) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    response["Cache-Control"] = PRIVATE
    return response


def _guest_ids(request: HttpRequest) -> list[int]:
    return tokens.guest_ids_read(
        schema=request.tenant.schema_name, raw=request.COOKIES.get(tokens.GUEST_COOKIE)
    )


@require_GET
def thread(request: HttpRequest, post_id: int) -> HttpResponse:
    """The post's published thread: the same bytes for every reader, cached (comments.cache)
    and shareable, purged when a comment under it is approved, edited or deleted."""
    html, version = cache.thread_cached(post_id=post_id)
    if html is None:
        post = _post(post_id)
        rules = comment_rules_get()
        state = post_comments_state(post=post, rules=rules)
        items, count = selectors.thread(post_id=post_id) if state != "off" else ([], 0)
        likes = selectors.post_likes(post_id=post_id) if state != "off" else 0
        context = {
            "post": post,
            "items": items,
            "count": count,
            "state": state,
            "rules": rules,
            "limit": BODY_LIMIT,
            "post_likes": likes,
            "thread_html": comment_markup.thread_html(items, gravatar=rules.gravatar),
            "reader_may": may_comment(rules=rules, commenter=None),
        }
        html = render_to_string("comments/_thread.html", context, request=request).encode()
        cache.thread_store(post_id=post_id, version=version, html=html)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    schema = request.tenant.schema_name
    # Browsers revalidate each time (a comment approved shows at once); shared caches keep it
    # until it is purged.
    response["Cache-Control"] = "public, max-age=0, s-maxage=600"
    response["Surrogate-Key"] = response["xkey"] = cache.thread_surrogate_keys(schema, post_id)
    response["ETag"] = f'"{blake2b(html, digest_size=12).hexdigest()}"'
    return get_conditional_response(request, etag=response["ETag"], response=response)


@require_GET
def me(request: HttpRequest, post_id: int) -> HttpResponse:
    """What is this reader's alone (never cached): the form's token, who they are, their own
    comments waiting for approval, what they liked and may edit."""
    post = _post(post_id)
    commenter = commenter_from_request(request)
    rules = comment_rules_get()
    guest_ids = _guest_ids(request)
    own = selectors.own_comments(
        member_id=commenter.member.id if commenter and commenter.member else None,
        user_id=commenter.user_id if commenter else None,
        guest_ids=guest_ids,
        post_id=post.id,
    )
    pending = [comment_markup.comment_html(c) for c in own]
    response = JsonResponse(
        {
            "token": tokens.form_token_make(schema=request.tenant.schema_name),
            "commenter": {"kind": commenter.kind, "name": commenter.name} if commenter else None,
            "refusal": may_comment(rules=rules, commenter=commenter),
            "pending": [
                {"id": c.id, "parent": c.parent_id, "html": h}
                for c, h in zip(own, pending, strict=True)
            ],
            "liked": sorted(
                i or 0
                for i in selectors.liked_by(post_id=post.id, who=commenter.who if commenter else "")
            ),
            "own": guest_ids if commenter is None else [],
        }
    )
    response["Cache-Control"] = PRIVATE
    return response


def _body(request: HttpRequest) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise services.CommentInvalid("The comment is not valid UTF-8 JSON.") from None
        if not isinstance(data, dict):
            raise services.CommentInvalid("Send the comment as a JSON object.")
        return {k: v if isinstance(v, str) else str(v) for k, v in data.items() if v is not None}
    return {k: request.POST.get(k, "") for k in request.POST}


@csrf_exempt
@require_POST
def comment_post(request: HttpRequest, post_id: int) -> HttpResponse:
    if not same_site_request(request):
        return _error("Comments are posted from the blog's own pages.", 403)
    try:
        data = _body(request)
        post = _post(post_id)
        if data.get("website"):  # the honeypot: a field people never see
            return _error("Your comment could not be accepted.", 400)
        form = tokens.form_token_read(
            schema=request.tenant.schema_name, token=data.get("token", "")
        )
        if form is None:
            return _error(
                "The form has expired: reload the page and send again (your text is kept).", 400
            )
        elapsed, nonce = form
        if elapsed < services.MIN_SECONDS:
            return _error("That was quick: wait a few seconds and send again.", 400)
        commenter = commenter_from_request(request)
        key = (
            f"m{commenter.member.id}"
            if commenter and commenter.member
            else data.get("email", "")[:254]
        )
        limited = limit(request, action="comment", key=key or client_ip(request))
        if limited is not None:
            return _error("You are commenting too fast: wait a minute and send again.", 429)
        parent = data.get("parent") or None
        if parent is not None and not parent.isdecimal():
            return _error("That reply names no comment.", 400)
        comment = services.comment_create(
            tenant_id=request.tenant.id,
            post=post,
            commenter=commenter,
            body=data.get("body", ""),
            parent_id=int(parent) if parent else None,
            name=data.get("name", ""),
            email=data.get("email", ""),
            url=data.get("url", ""),
            nonce=nonce,
            ip=client_ip(request) if client_ip(request) != "unknown" else None,
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ApplicationError as exc:
        return _error(exc.message, exc.status_code)
    html = comment_markup.comment_html(comment)
    response = JsonResponse(
        {"id": comment.id, "status": comment.status, "parent": comment.parent_id, "html": html},
        status=201,
    )
    response["Cache-Control"] = PRIVATE
    tokens.known_cookie_set(response)
    if commenter is None:
        ids = [*_guest_ids(request), comment.id]
        response.set_cookie(
            tokens.GUEST_COOKIE,
            tokens.guest_ids_make(schema=request.tenant.schema_name, ids=ids),
            max_age=86_400,
            httponly=True,
            samesite="Lax",
        )
    return response


@csrf_exempt
@require_POST
def comment_change(request: HttpRequest, comment_id: int, action: str) -> HttpResponse:
    """The author's edit (`action` "edit") or delete ("delete")."""
    if action not in ("edit", "delete"):
        return _error("Unknown change: edit or delete.", 404)
    if not same_site_request(request):
        return _error("Comments are changed from the blog's own pages.", 403)
    commenter = commenter_from_request(request)
    try:
        if action == "edit":
            comment = services.comment_edit(
                comment_id=comment_id,
                commenter=commenter,
                guest_ids=_guest_ids(request),
                body=_body(request).get("body", ""),
            )
            html = comment_markup.comment_html(comment)
            return JsonResponse({"id": comment.id, "status": comment.status, "html": html})
        services.comment_delete(
            tenant_id=request.tenant.id,
            comment_id=comment_id,
            commenter=commenter,
            guest_ids=_guest_ids(request),
        )
        return JsonResponse({"id": comment_id, "deleted": True})
    except ApplicationError as exc:
        return _error(exc.message, exc.status_code)


@csrf_exempt
@require_POST
def like(request: HttpRequest, post_id: int) -> HttpResponse:
    if not same_site_request(request):
        return _error("Likes are sent from the blog's own pages.", 403)
    try:
        raw = _body(request).get("comment") or ""
        if raw and not raw.isdecimal():
            raise services.CommentInvalid("That like names no comment.")
        liked, count = services.like_toggle(
            post=_post(post_id),
            comment_id=int(raw) if raw else None,
            commenter=commenter_from_request(request),
        )
    except ApplicationError as exc:
        return _error(exc.message, exc.status_code)
    response = JsonResponse({"liked": liked, "count": count})
    response["Cache-Control"] = PRIVATE
    return response


@require_GET
def counts(request: HttpRequest) -> HttpResponse:
    """Comment and like counts of the posts a list shows (`?ids=1,2,3`, at most 100): cached
    a few seconds, so lists stay cached and their counts are at most that old."""
    raw = request.GET.get("ids", "")[:1000]
    ids = sorted({int(i) for i in raw.split(",") if i.isdecimal() and len(i) < 10})[:100]
    response = JsonResponse({str(k): v for k, v in selectors.comment_counts(post_ids=ids).items()})
    response["Cache-Control"] = "public, max-age=5, s-maxage=5"
    response["Surrogate-Key"] = response["xkey"] = blog_key(request.tenant.schema_name)
    return response


_feed = PostCommentsFeed()


@require_GET
def feed(request: HttpRequest, post_id: int) -> HttpResponse:
    """The post's comments as Atom; shareable for a minute (purged with the thread)."""
    response = _feed(request, post_id=post_id)
    response["Cache-Control"] = "public, max-age=60, s-maxage=60"
    response["Surrogate-Key"] = response["xkey"] = cache.thread_surrogate_keys(
        request.tenant.schema_name, post_id
    )
    return response
