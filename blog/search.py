"""Full-text search: weighted vectors (title A, tags B, excerpt B, body C) built with the blog's
language configuration, set-based rebuilds, and the reader's search query."""

import html
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.core.cache import cache
from django.db import connection
from django.db.models import F, Func, TextField, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from blog.models import Post
from tenants.models import Tenant

DEFAULT_CONFIG = "english"
MAX_QUERY_LENGTH = 200
REBUILD_BATCH = 2000
# Per schema and language: a rebuild for another language never resumes this one's work.
_CHECKPOINT = "search:rebuild:{schema}:{config}"
# ts_headline marks matches with these; everything else in the snippet is escaped.
_START, _STOP = "\x02", "\x03"


def search_config(*, tenant: Tenant) -> str:
    """The blog's text search configuration (its language)."""
    return getattr(tenant, "language", None) or DEFAULT_CONFIG


def _vector(config: str) -> SearchVector:
    tags = Func(F("tags"), Value(" "), function="array_to_string", output_field=TextField())
    return (
        SearchVector("title", weight="A", config=config)
        + SearchVector(tags, weight="B", config=config)
        + SearchVector("excerpt", weight="B", config=config)
        + SearchVector("body", weight="C", config=config)
    )


def post_search_vector_refresh(*, post_id: int, config: str) -> bool:
    """Fill one post's vector. Idempotent; False when the post no longer exists."""
    vector = _vector(config)
    return Post.objects.filter(id=post_id).update(search_vector=vector) == 1


def stale_search_vectors_refresh(*, config: str, batch: int = 500) -> int:
    """Fill every missing vector of the current schema, `batch` rows per statement."""
    vector, done = _vector(config), 0
    while True:
        ids = list(
            Post.objects.filter(search_vector__isnull=True).values_list("id", flat=True)[:batch]
        )
        if not ids:
            return done
        done += Post.objects.filter(id__in=ids).update(search_vector=vector)


def search_index_rebuild(
    *,
    config: str,
    batch: int = REBUILD_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rewrite every vector of the current schema: one UPDATE per id range of `batch` posts.

    Resumable: the last finished id is kept in Redis, so a run that was killed (or a task that
    was redelivered) goes on where it stopped. Safe to run twice: the UPDATE is idempotent.
    Returns the number of posts rewritten by this call.
    """
    vector = _vector(config)
    key = _CHECKPOINT.format(schema=connection.schema_name, config=config)
    last_id = int(cache.get(key) or 0)
    total = Post.objects.count()
    done = Post.objects.filter(id__lte=last_id).count() if last_id else 0
    rewritten = 0
    while True:
        upper = (
            Post.objects.filter(id__gt=last_id)
            .order_by("id")
            .values_list("id", flat=True)[batch - 1 : batch]
            .first()
        )
        bounds = {"id__gt": last_id} | ({"id__lte": upper} if upper else {})
        count = Post.objects.filter(**bounds).update(search_vector=vector)
        rewritten += count
        done += count
        if progress:
            progress(done, total)
        if upper is None:
            break
        last_id = upper
        cache.set(key, last_id, timeout=24 * 3600)
    cache.delete(key)
    return rewritten


@dataclass(frozen=True)
class SearchHit:
    title: str
    slug: str
    published_at: object
    snippet: SafeString
    rank: float


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    page: int
    has_next: bool


def posts_search(*, tenant: Tenant, query: str, page: int = 1, per_page: int = 10) -> SearchPage:
    """Published posts matching a web-search style query (quoted phrases, `or`, `-word`),
    best first, with highlighted snippets. The query must already be checked for length."""
    config = search_config(tenant=tenant)
    tsquery = SearchQuery(query, search_type="websearch", config=config)
    offset = (page - 1) * per_page
    rows = list(
        Post.objects.filter(
            status=Post.Status.PUBLISHED, kind=Post.Kind.POST, search_vector=tsquery
        )
        .annotate(
            rank=SearchRank(F("search_vector"), tsquery),
            # From the rendered HTML: ts_headline drops the tags, so no Markdown syntax shows.
            snippet=SearchHeadline(
                "body_html",
                tsquery,
                config=config,
                start_sel=_START,
                stop_sel=_STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "-published_at", "-id")
        .values_list("title", "slug", "published_at", "snippet", "rank")[
            offset : offset + per_page + 1
        ]
    )
    hits = [
        SearchHit(title, slug, published_at, _highlight(snippet), rank)
        for title, slug, published_at, snippet, rank in rows[:per_page]
    ]
    return SearchPage(hits=hits, page=page, has_next=len(rows) > per_page)


def _highlight(snippet: str) -> SafeString:
    text = " ".join(html.unescape(snippet or "").split())  # tags leave runs of spaces
    safe = escape(text)
    return mark_safe(safe.replace(_START, "<mark>").replace(_STOP, "</mark>"))  # noqa: S308
