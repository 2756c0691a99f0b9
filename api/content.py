"""The Content API: a blog's published posts, pages, tags and settings, read-only, as JSON.

On the blog's host (and its custom domain) under `/api/content/v1/`; the blog's content key
(`?key=` or `X-Content-Key`) unless the owner made it public. Answers are cached with the
blog's reader pages and retired with them when anything changes; they carry an `ETag`
(send `If-None-Match` for a 304) and `Cache-Control: private, no-cache` (key-protected: keep
and revalidate) or, when the API is public, `public` with `s-maxage` like reader pages.

A post's `html` is what every reader sees: all of a public post, the part of a gated post
before its paywall marker (nothing, without a marker). `visibility` says who may read the
rest (`members`, `paid`, `tiers`), so that a theme can show a lock and a call to join; the
rest itself is never in an answer, which is why one answer fits every reader and is cached.
"""

from datetime import datetime
from typing import Literal

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import urlencode
from ninja import NinjaAPI, Query, Schema
from pydantic import Field

from api import selectors
from api.cache import content_cached
from api.comments import content_router
from api.common import ContentKeyHeader, ContentKeyQuery, ErrorOut, install_error_handlers
from blog import selectors as blog_selectors
from blog.models import Post, tag_slug
from tenants.context_processors import platform

MAX_LIMIT = 100


class TagOut(Schema):
    name: str
    slug: str
    url: str


class PostOut(Schema):
    id: int
    kind: str
    slug: str
    title: str
    url: str
    excerpt: str
    summary: str
    html: str = Field(description="What every reader sees (of a gated post, the public part).")
    visibility: Literal["public", "members", "paid", "tiers"]
    tags: list[TagOut]
    published_at: datetime
    updated_at: datetime
    meta_description: str
    canonical_url: str
    cover_image_url: str


class PageMeta(Schema):
    page: int
    limit: int
    next: str | None
    prev: str | None


class PostList(Schema):
    posts: list[PostOut]
    meta: PageMeta


class TagCount(Schema):
    name: str
    slug: str
    url: str
    count: int


class TagList(Schema):
    tags: list[TagCount]


class NavItem(Schema):
    label: str
    url: str


class SettingsOut(Schema):
    title: str
    tagline: str
    description: str
    language: str
    url: str
    theme: str
    accent: str
    posts_per_page: int
    navigation: list[NavItem]
    footer: str


class ListParams(Schema):
    page: int = Field(1, ge=1, le=100_000)
    limit: int = Field(15, ge=1, le=MAX_LIMIT)
    tag: str | None = Field(None, min_length=1, max_length=120, pattern=r"^[^\x00]*$")


def base_url(request: HttpRequest) -> str:
    return platform(request)["reader_base"]


def tag_out(request: HttpRequest, name: str) -> dict:
    slug = tag_slug(name)
    return {"name": name, "slug": slug, "url": f"{base_url(request)}/tag/{slug}/"}


def post_out(request: HttpRequest, post: Post) -> dict:
    return {
        "id": post.id,
        "kind": post.kind,
        "slug": post.slug,
        "title": post.title,
        "url": f"{base_url(request)}/{post.slug}/",
        "excerpt": post.excerpt,
        "summary": post.summary,
        "html": post.body_html,
        "visibility": post.visibility,
        "tags": [tag_out(request, t) for t in post.tags],
        "published_at": post.published_at,
        "updated_at": post.updated_at,
        "meta_description": post.meta_description,
        "canonical_url": post.canonical_url,
        "cover_image_url": post.cover_image_url,
    }


api = NinjaAPI(
    title="Quire Content API",
    version="1",
    description=__doc__,
    urls_namespace="api-content",
    auth=[ContentKeyQuery(), ContentKeyHeader()],
    openapi_url="/openapi.json",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("", content_router)  # a post's comments
_ERRORS = {400: ErrorOut, 401: ErrorOut, 429: ErrorOut}


def _cached(request: HttpRequest, schema: type[Schema], build) -> HttpResponse:
    """After the key check (ninja's auth ran): from the blog's cache, or built and stored."""
    return content_cached(request, api=api, schema=schema, build=build)


def _page_link(request: HttpRequest, params: ListParams, page: int) -> str:
    query = {"page": page, "limit": params.limit}
    if params.tag:
        query["tag"] = params.tag
    if "key" in request.GET:
        query["key"] = request.GET["key"]
    return f"{base_url(request)}{request.path}?{urlencode(query)}"


def _list(request: HttpRequest, kind: str, params: ListParams) -> dict:
    offset = (params.page - 1) * params.limit
    posts, has_next = selectors.content_posts(
        kind=kind, offset=offset, limit=params.limit, tag=params.tag
    )
    return {
        "posts": [post_out(request, p) for p in posts],
        "meta": {
            "page": params.page,
            "limit": params.limit,
            "next": _page_link(request, params, params.page + 1) if has_next else None,
            "prev": _page_link(request, params, params.page - 1) if params.page > 1 else None,
        },
    }


def _one(request: HttpRequest, kind: str, slug: str) -> dict:
    post = selectors.content_post_get(kind=kind, slug=slug)
    if post is None:
        raise Http404
    return post_out(request, post)


@api.get("/posts/", response={200: PostList, **_ERRORS}, operation_id="posts_list")
def posts_list(request: HttpRequest, params: Query[ListParams]):
    """Published posts, newest first; `tag` is a tag's slug (as in `/tag/<slug>/`)."""
    return _cached(request, PostList, lambda: _list(request, Post.Kind.POST, params))


@api.get(
    "/posts/slug/{slug}/",
    response={200: PostOut, 404: ErrorOut, **_ERRORS},
    operation_id="post_get",
)
def post_get(request: HttpRequest, slug: str):
    return _cached(request, PostOut, lambda: _one(request, Post.Kind.POST, slug))


@api.get("/pages/", response={200: PostList, **_ERRORS}, operation_id="pages_list")
def pages_list(request: HttpRequest, params: Query[ListParams]):
    return _cached(request, PostList, lambda: _list(request, Post.Kind.PAGE, params))


@api.get(
    "/pages/slug/{slug}/",
    response={200: PostOut, 404: ErrorOut, **_ERRORS},
    operation_id="page_get",
)
def page_get(request: HttpRequest, slug: str):
    return _cached(request, PostOut, lambda: _one(request, Post.Kind.PAGE, slug))


@api.get("/tags/", response={200: TagList, **_ERRORS}, operation_id="tags_list")
def tags_list(request: HttpRequest):
    """Tags of published posts, with how many published posts carry each."""

    def build() -> dict:
        counts = selectors.published_tag_counts()
        return {"tags": [{**tag_out(request, name), "count": n} for name, n in counts]}

    return _cached(request, TagList, build)


@api.get("/settings/", response={200: SettingsOut, **_ERRORS}, operation_id="settings_get")
def settings_get(request: HttpRequest):
    return _cached(request, SettingsOut, lambda: _settings(request))


def _settings(request: HttpRequest) -> dict:
    s = blog_selectors.blog_settings_get()
    return {
        "title": s.title or request.tenant.name,
        "tagline": s.tagline,
        "description": s.description,
        "language": blog_selectors.language_tag(language=request.tenant.language),
        "url": base_url(request) + "/",
        "theme": s.theme,
        "accent": s.accent,
        "posts_per_page": s.posts_per_page,
        "navigation": [
            {"label": str(n.get("label", "")), "url": str(n.get("url", ""))}
            for n in s.navigation
            if isinstance(n, dict)
        ],
        "footer": s.footer,
    }
