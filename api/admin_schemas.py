"""What the Admin API takes and gives: request and response schemas, and the one Admin API
representation of a post (`post_out`, with its `ETag`) and of an image (`image_out`).

A post's representation is for its writers: it carries the whole Markdown `body` (with the
paywall marker line) and, apart from `html` (the part everyone reads), `gated_html`."""

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Path, Schema
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field

from blog.models import Post
from media.models import MediaFile
from tenants.context_processors import platform

MAX_LIMIT = 100
# Ids as path parameters: anything else is a 400 (not Django's HTML 404), and never out of the
# database's bigint range.
PostId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _utc(value: datetime) -> datetime:
    """Offsets PostgreSQL refuses (past +/-15:59) are fine once the time is in UTC."""
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date out of range") from exc


def _text(value: object) -> object:
    """A date is ISO 8601 text, as the schema says: pydantic would read a number as a Unix
    time (schemathesis found `-615` accepted)."""
    if isinstance(value, int | float):
        raise ValueError("give the date as ISO 8601 text, e.g. 2026-05-01T09:00:00Z")
    return value


When = Annotated[AwareDatetime, BeforeValidator(_text), AfterValidator(_utc)]
_VISIBLE = r"[^\s\x00-\x1f]"  # a title has at least one visible character
# Who may read all of a post (blog's Post.Visibility); tier ids as PostgreSQL stores them.
Visibility = Literal["public", "members", "paid", "tiers"]
TierIds = list[Annotated[int, Field(ge=1, le=2**31 - 1)]]
MAX_TIERS = 50


class AdminPostOut(Schema):
    id: int
    kind: str
    status: str
    slug: str
    title: str
    url: str
    body: str
    html: str = Field(
        description="What every reader sees: all of a public post, the part of a gated post "
        "before the paywall marker line."
    )
    gated_html: str = Field(
        description="The rest of a gated post, for readers with access only (empty for a "
        "public post). Never shown by the Content API or the blog's public pages."
    )
    visibility: Visibility
    access_tiers: list[int]
    excerpt: str
    tags: list[str]
    meta_description: str
    canonical_url: str
    cover_image_url: str
    author_id: int | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    etag: str


class AdminPostList(Schema):
    posts: list[AdminPostOut]
    next_page: int | None


class PostCreateIn(Schema):
    """`body` is Markdown; a line `<!--members-only-->` ends the part every reader sees of a
    post whose `visibility` is not public. `access_tiers`: the blog's tier ids, for
    visibility "tiers" only."""

    kind: Literal["post", "page"] = "post"
    title: str = Field(min_length=1, max_length=200, pattern=_VISIBLE)
    body: str = ""
    visibility: Visibility = "public"
    access_tiers: TierIds = Field(default_factory=list, max_length=MAX_TIERS)
    tags: list[str] = Field(default_factory=list, max_length=100)
    slug: str = Field("", max_length=1000)
    excerpt: str = ""
    meta_description: str = Field("", max_length=1000)
    canonical_url: str = Field("", max_length=1000)
    cover_image_url: str = Field("", max_length=1000)
    action: Literal["save", "publish", "schedule"] = "save"
    publish_at: When | None = None


class PostUpdateIn(Schema):
    """Fields left out keep their value."""

    title: str | None = Field(None, min_length=1, max_length=200, pattern=_VISIBLE)
    body: str | None = None
    visibility: Visibility | None = None
    access_tiers: TierIds | None = Field(None, max_length=MAX_TIERS)
    tags: list[str] | None = Field(None, max_length=100)
    slug: str | None = Field(None, max_length=1000)
    excerpt: str | None = None
    meta_description: str | None = Field(None, max_length=1000)
    canonical_url: str | None = Field(None, max_length=1000)
    cover_image_url: str | None = Field(None, max_length=1000)


class ScheduleIn(Schema):
    publish_at: When


class TagOut(Schema):
    name: str
    count: int


class TagListOut(Schema):
    tags: list[TagOut]


class TagRenameIn(Schema):
    old: str = Field(min_length=1, max_length=200)
    new: str = Field(min_length=1, max_length=200)


class TagRenameOut(Schema):
    changed: int


class ListParams(Schema):
    page: int = Field(1, ge=1, le=100_000)
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    kind: Literal["post", "page"] | None = None


def post_etag(post: Post) -> str:
    digest = hashlib.sha256(f"{post.id}:{post.updated_at.isoformat()}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def post_out(request: HttpRequest, post: Post) -> dict:
    return {
        "id": post.id,
        "kind": post.kind,
        "status": post.status,
        "slug": post.slug,
        "title": post.title,
        "url": f"{platform(request)['reader_base']}/{post.slug}/",
        "body": post.body,
        "html": post.body_html,
        "gated_html": post.gated_html,
        "visibility": post.visibility,
        "access_tiers": post.access_tiers,
        "excerpt": post.excerpt,
        "tags": post.tags,
        "meta_description": post.meta_description,
        "canonical_url": post.canonical_url,
        "cover_image_url": post.cover_image_url,
        "author_id": post.author_id,
        "published_at": post.published_at,
        "created_at": post.created_at,
        "updated_at": post.updated_at,
        "etag": post_etag(post),
    }


class ImageOut(Schema):
    id: int
    name: str
    status: str  # "pending" until the worker has made the served copies, then "ready"
    path: str  # on the blog's host, for Markdown bodies
    url: str  # absolute, for cover_image_url
    content_type: str
    width: int | None
    height: int | None
    markdown: str


IMAGE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "A JPEG, PNG, GIF or WebP image.",
                        }
                    },
                }
            }
        },
    }
}


def image_out(request: HttpRequest, media: MediaFile) -> dict:
    stem = media.name.rsplit(".", 1)[0]
    alt = "".join(ch for ch in stem if ch not in "[]\\`*_<>").strip() or "image"
    return {
        "id": media.id,
        "name": media.name,
        "status": media.status,
        "path": media.url,
        "url": f"{platform(request)['reader_base']}{media.url}",
        "content_type": media.content_type,
        "width": media.width,
        "height": media.height,
        "markdown": f"![{alt}]({media.url})",
    }
