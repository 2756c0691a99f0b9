"""The Admin API: write a blog's posts, pages and tags with a member's personal access token.

On the blog's platform subdomain only (never on a custom domain), under `/api/admin/v1/`.
Every write goes through the dashboard's services (`post_create_recorded`,
`post_update_recorded`, `post_delete`, `tag_rename`), so plan limits, sanitising, history,
cache invalidation and search refresh all apply, with the token's member's role.

- `Idempotency-Key` on create: the same key and body within 24 hours returns the post made
  the first time (200); the same key with another body is a 409.
- Updates need `If-Match` with the post's `ETag` (from any read or write of it): missing
  -> 428, stale -> 412, so a write never overwrites one it has not seen.
- Gated posts: `visibility` is `public`, `members`, `paid` or `tiers` (then `access_tiers`
  names at least one of the blog's tiers by id); in `body`, a line `<!--members-only-->` ends
  the part every reader sees. `html` is that part, `gated_html` the rest (for writers: the
  Content API and the blog's pages never show it).
- Images: `POST images/` (multipart, field `file`) stores an image with the media library's
  service and limits (size, type from the bytes, pixels, the plan's storage) and returns its
  URLs; the worker makes the served copies.
"""

import hashlib

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Query, Status

from api import selectors, services
from api.admin_schemas import (
    IMAGE_BODY,
    AdminPostList,
    AdminPostOut,
    ImageOut,
    ListParams,
    PostCreateIn,
    PostId,
    PostUpdateIn,
    ScheduleIn,
    TagListOut,
    TagRenameIn,
    TagRenameOut,
    image_out,
    post_etag,
    post_out,
)
from api.comments import admin_router
from api.common import Actor, AdminToken, ApiError, ErrorOut, install_error_handlers
from blog.access import tier_choices
from blog.models import Post
from blog.selectors import tags_with_counts
from blog.services.posts import post_delete
from blog.services.revisions import post_create_recorded, post_update_recorded
from blog.services.tags import tag_rename
from lib.uploads import upload_size_cap, upload_too_large
from media import services as media_services
from shared.accounts.models import User
from shared.accounts.permissions import can_edit_post, can_manage_tags, can_write_pages

api = NinjaAPI(
    title="Quire Admin API",
    version="1",
    description=__doc__,
    urls_namespace="api-admin",
    auth=AdminToken(),
    openapi_url="/openapi.json",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("", admin_router)  # the comment moderation queue
_ERRORS = {400: ErrorOut, 401: ErrorOut, 402: ErrorOut, 403: ErrorOut, 429: ErrorOut}
_ONE = {404: ErrorOut, **_ERRORS}


def _actor(request: HttpRequest) -> Actor:
    return request.auth


def _forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def _post_for(request: HttpRequest, post_id: int, *, lock: bool = False) -> Post:
    """This blog's post `post_id` (404 otherwise: ids of other blogs do not exist in this
    schema) that the actor may edit (403)."""
    qs = Post.objects.select_for_update() if lock else Post.objects
    post = qs.filter(id=post_id).first()
    if post is None:
        raise Http404
    actor = _actor(request)
    if not can_edit_post(role=actor.role, user_id=actor.user_id, post=post):
        raise _forbidden("Your role lets you edit your own posts only.")
    if post.is_page and not can_write_pages(role=actor.role):
        raise _forbidden("Only the blog's owner and editors edit pages.")
    return post


def _access_check(*, visibility: str, access_tiers: list[int]) -> None:
    """`access_tiers` go with visibility "tiers" only, and name tiers the blog has: a tier id
    of nothing would let no one read the post (400, field `access_tiers`)."""
    if visibility != Post.Visibility.TIERS:
        if access_tiers:
            raise ApiError(
                400,
                "invalid",
                f'access_tiers are for visibility "tiers" only (this post\'s is "{visibility}"): '
                'leave them out, or set visibility to "tiers".',
                field="access_tiers",
            )
        return
    choices = dict(tier_choices())
    listed = ", ".join(f"{i} ({name})" for i, name in choices.items()) or "none yet"
    if not access_tiers:
        raise ApiError(
            400,
            "invalid",
            f'Visibility "tiers" needs access_tiers: the ids of the tiers that may read the '
            f"post. This blog's tiers: {listed}.",
            field="access_tiers",
        )
    unknown = sorted(set(access_tiers) - set(choices))
    if unknown:
        raise ApiError(
            400,
            "invalid",
            f"access_tiers: {', '.join(map(str, unknown))} is not a tier of this blog. "
            f"Its tiers: {listed}.",
            field="access_tiers",
        )


def _answer(request: HttpRequest, response: HttpResponse, post: Post) -> dict:
    response["ETag"] = post_etag(post)
    return post_out(request, post)


@api.get("/posts/", response={200: AdminPostList, **_ERRORS}, operation_id="admin_posts_list")
def posts_list(request: HttpRequest, params: Query[ListParams]):
    """Posts and pages in every state, newest change first; an author sees their own."""
    actor = _actor(request)
    offset = (params.page - 1) * params.limit
    rows = list(
        selectors.admin_posts(
            author_id=actor.user_id if actor.role == "author" else None,
            kind=params.kind,
            offset=offset,
            limit=params.limit,
        )
    )
    return {
        "posts": [post_out(request, p) for p in rows[: params.limit]],
        "next_page": params.page + 1 if len(rows) > params.limit else None,
    }


@api.post(
    "/posts/",
    response={200: AdminPostOut, 201: AdminPostOut, 409: ErrorOut, **_ERRORS},
    operation_id="admin_post_create",
)
def post_create(request: HttpRequest, response: HttpResponse, payload: PostCreateIn):
    """Create a post or page; `action` publishes or schedules it at once. With an
    `Idempotency-Key` header, a retry returns the first answer's post (200)."""
    actor = _actor(request)
    if payload.kind == "page" and not can_write_pages(role=actor.role):
        raise _forbidden("Only the blog's owner and editors write pages.")
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 200:
        raise ApiError(400, "invalid", "Idempotency-Key is too long.", field="Idempotency-Key")
    _access_check(visibility=payload.visibility, access_tiers=payload.access_tiers)
    body_hash = hashlib.sha256(request.body).hexdigest()
    with transaction.atomic():
        if key:
            earlier = services.idempotency_lookup(token=actor.token, key=key, body_hash=body_hash)
            if earlier is not None:
                post = Post.objects.filter(id=earlier).first()
                if post is None:
                    raise Http404
                return Status(200, _answer(request, response, post))
        post = post_create_recorded(
            tenant=request.tenant,
            author=User.objects.get(id=actor.user_id),
            **payload.dict(),
        )
        if key:
            services.idempotency_store(
                token=actor.token, key=key, body_hash=body_hash, post_id=post.id
            )
    post.refresh_from_db()
    return Status(201, _answer(request, response, post))


@api.get("/posts/{post_id}/", response={200: AdminPostOut, **_ONE}, operation_id="admin_post_get")
def post_get(request: HttpRequest, response: HttpResponse, post_id: PostId):
    return _answer(request, response, _post_for(request, post_id))


def _save(
    request: HttpRequest, post_id: int, *, fields: dict, action: str, publish_at=None
) -> Post:
    """Update under a row lock after checking `If-Match` against the post's current ETag."""
    if_match = request.headers.get("If-Match", "").strip()
    if not if_match:
        raise ApiError(
            428, "precondition_required", "Send If-Match with the post's ETag.", field="If-Match"
        )
    with transaction.atomic():
        post = _post_for(request, post_id, lock=True)
        if if_match != "*" and if_match.removeprefix("W/") != post_etag(post):
            raise ApiError(
                412,
                "precondition_failed",
                "The post changed since you read it: fetch it again and reapply your change.",
                field="If-Match",
            )
        current = {
            "title": post.title,
            "body": post.body,
            "tags": post.tags,
            "slug": "",
        }
        current.update({k: v for k, v in fields.items() if v is not None})
        if fields.get("visibility") is not None or fields.get("access_tiers") is not None:
            # One of the two alone keeps the other as the post has it.
            visibility = fields.get("visibility") or post.visibility
            tiers = fields.get("access_tiers")
            if tiers is None:
                tiers = post.access_tiers if visibility == Post.Visibility.TIERS else []
            _access_check(visibility=visibility, access_tiers=tiers)
            current.update(visibility=visibility, access_tiers=tiers)
        post = post_update_recorded(
            tenant=request.tenant,
            post=post,
            by=User.objects.get(id=_actor(request).user_id),
            action=action,
            publish_at=publish_at,
            **current,
        )
    post.refresh_from_db()
    return post


_PRECONDITIONS = {409: ErrorOut, 412: ErrorOut, 428: ErrorOut, **_ONE}


@api.patch(
    "/posts/{post_id}/",
    response={200: AdminPostOut, **_PRECONDITIONS},
    operation_id="admin_post_update",
)
def post_update(
    request: HttpRequest, response: HttpResponse, post_id: PostId, payload: PostUpdateIn
):
    """Change some fields (needs `If-Match`); the status stays as it is."""
    post = _save(request, post_id, fields=payload.dict(exclude_unset=True), action="save")
    return _answer(request, response, post)


@api.post(
    "/posts/{post_id}/publish/",
    response={200: AdminPostOut, **_PRECONDITIONS},
    operation_id="admin_post_publish",
)
def post_publish(request: HttpRequest, response: HttpResponse, post_id: PostId):
    return _answer(request, response, _save(request, post_id, fields={}, action="publish"))


@api.post(
    "/posts/{post_id}/schedule/",
    response={200: AdminPostOut, **_PRECONDITIONS},
    operation_id="admin_post_schedule",
)
def post_schedule(
    request: HttpRequest, response: HttpResponse, post_id: PostId, payload: ScheduleIn
):
    post = _save(request, post_id, fields={}, action="schedule", publish_at=payload.publish_at)
    return _answer(request, response, post)


@api.post(
    "/posts/{post_id}/unpublish/",
    response={200: AdminPostOut, **_PRECONDITIONS},
    operation_id="admin_post_unpublish",
)
def post_unpublish(request: HttpRequest, response: HttpResponse, post_id: PostId):
    return _answer(request, response, _save(request, post_id, fields={}, action="unpublish"))


@api.delete("/posts/{post_id}/", response={204: None, **_ONE}, operation_id="admin_post_delete")
def post_remove(request: HttpRequest, post_id: PostId):
    with transaction.atomic():
        post_delete(tenant=request.tenant, post=_post_for(request, post_id, lock=True))
    return Status(204, None)


@api.get("/tags/", response={200: TagListOut, **_ERRORS}, operation_id="admin_tags_list")
def tags_list(request: HttpRequest):
    """Every tag with how many posts (any state) carry it."""
    return {"tags": [{"name": n, "count": c} for n, c in tags_with_counts()]}


@api.post("/tags/rename/", response={200: TagRenameOut, **_ERRORS}, operation_id="admin_tag_rename")
def tags_rename(request: HttpRequest, payload: TagRenameIn):
    """Rename (or merge into an existing tag) on every post; owners and editors."""
    if not can_manage_tags(role=_actor(request).role):
        raise _forbidden("Only the blog's owner and editors rename tags.")
    return {"changed": tag_rename(tenant=request.tenant, old=payload.old, new=payload.new)}


# --- images -----------------------------------------------------------------------------------


@api.post(
    "/images/",
    response={201: ImageOut, 413: ErrorOut, **_ERRORS},
    operation_id="admin_image_upload",
    openapi_extra=IMAGE_BODY,
)
def image_upload(request: HttpRequest):
    """Upload an image (multipart/form-data, field `file`) to the blog's media library, with
    the dashboard's checks and limits; the same bytes twice give the same image."""
    upload_size_cap(request)
    try:
        upload = request.FILES.get("file")
    except MultiPartParserError as exc:  # a body Django cannot parse is the client's mistake
        raise ApiError(
            400,
            "invalid",
            f"The multipart/form-data body could not be read ({exc}). Send the image as the "
            "form-data field `file`.",
            field="file",
        ) from exc
    if upload_too_large(request):
        media_services.size_check(size=None)
    if upload is None:
        raise ApiError(
            400, "invalid", "Send the image as the multipart/form-data field `file`.", field="file"
        )
    media_services.size_check(size=upload.size)
    media = media_services.media_store_bytes(
        tenant=request.tenant,
        name=upload.name or "image",
        data=upload.read(),
        created_by=User.objects.get(id=_actor(request).user_id),
    )
    return Status(201, image_out(request, media))
