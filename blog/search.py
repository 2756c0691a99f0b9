"""Full-text search: weighted vectors (title A, tags B, excerpt B, body C) and the title's own
vector, built with the blog's language configuration; set-based rebuilds; the reader's search
(title matches first, then newest first; see `posts_search`)."""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.postgres.search import SearchVector
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, F, Func, TextField, Value, When
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


def _public_body() -> Case:
    """The text every reader sees: all of a public post's Markdown; of a gated one its
    `body_html` (the public part as rendered, which is empty without a marker) with the tags
    taken out, so the index and the page split the post at the same place."""
    return Case(
        When(visibility="public", then=F("body")),
        default=Func(
            F("body_html"), Value("<[^>]*>"), Value(" "), Value("g"), function="regexp_replace"
        ),
        output_field=TextField(),
    )


def _vectors(config: str) -> dict[str, SearchVector]:
    """Both columns a save or rebuild writes: the weighted vector of the whole post, and the
    title's own vector, which puts title matches first without ranking every match."""
    tags = Func(F("tags"), Value(" "), function="array_to_string", output_field=TextField())
    return {
        "search_vector": (
            SearchVector("title", weight="A", config=config)
            + SearchVector(tags, weight="B", config=config)
            + SearchVector("excerpt", weight="B", config=config)
            + SearchVector(_public_body(), weight="C", config=config)
        ),
        "title_vector": SearchVector("title", weight="A", config=config),
    }


def post_search_vector_refresh(*, post_id: int, config: str) -> bool:
    """Fill one post's vector. Idempotent; False when the post no longer exists."""
    vectors = _vectors(config)
    return Post.objects.filter(id=post_id).update(**vectors) == 1


def stale_search_vectors_refresh(*, config: str, batch: int = 500) -> int:
    """Fill every missing vector of the current schema, `batch` rows per statement."""
    vectors, done = _vectors(config), 0
    while True:
        ids = list(
            Post.objects.filter(search_vector__isnull=True).values_list("id", flat=True)[:batch]
        )
        if not ids:
            return done
        done += Post.objects.filter(id__in=ids).update(**vectors)


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
    vectors = _vectors(config)
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
        count = Post.objects.filter(**bounds).update(**vectors)
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
    in_title: bool


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    page: int
    has_next: bool


# A plain last word (letters, digits, `_`), at least this long, is matched as a prefix.
PREFIX_MIN_LENGTH = 3
# Stemmers cut up to a few letters off a word (`serendipity` is indexed as `serendip`), so the
# typed prefix `serendipit` also matches lexemes that are this much shorter than it.
_STEM_SLACK = 3
_PLAIN_WORD = re.compile(r"^\w+$")


# A run of `-` (spaced or not) is a run of NOTs to websearch_to_tsquery, and ~40 nested NOTs
# overflow its parser's stack ("tsquery stack too small"). Two NOTs cancel, so a run is
# folded to one `-` or none, by its parity. Nothing else in its syntax nests.
_MINUS_RUN = re.compile(r"(?:-\s*){2,}")


def _minus_runs_folded(query: str) -> str:
    return _MINUS_RUN.sub(lambda run: "-" if run.group().count("-") % 2 else " ", query)


def tsquery_sql(*, query: str, config: str) -> tuple[str, list[str]]:
    """SQL for the reader's query as a `tsquery`: web-search syntax (quoted phrases, `or`,
    `-word`), the last plain word matched as a prefix, in the blog's language.

    The query is inlined by the database driver as constants, so the planner sees the actual
    words and their frequencies (a rare word and a common one want different plans).
    """
    query = _minus_runs_folded(query)
    words = query.split()
    last = words[-1] if words else ""
    head = words[:-1]
    quoted = query.count('"') % 2 == 1 or last.endswith('"')
    if (
        quoted
        or len(last) < PREFIX_MIN_LENGTH
        or not _PLAIN_WORD.match(last)
        or last.lower() == "or"
    ):
        return "websearch_to_tsquery(%s::regconfig, %s)", [config, query]
    joiner = "&&"
    if head and head[-1].lower() == "or":
        head, joiner = head[:-1], "||"
    prefix_sql = ["to_tsquery(%s::regconfig, %s)"]
    prefix_params = [config, f"'{last.lower()}':*"]
    for length in range(len(last) - 1, max(len(last) - _STEM_SLACK, PREFIX_MIN_LENGTH) - 1, -1):
        prefix_sql.append("to_tsquery('simple', %s)")
        prefix_params.append(f"'{last[:length].lower()}'")
    prefix = "(" + " || ".join(prefix_sql) + ")"
    if not head:
        return prefix, prefix_params
    return (
        f"(websearch_to_tsquery(%s::regconfig, %s) {joiner} {prefix})",
        [config, " ".join(head), *prefix_params],
    )


# Title matches first, then the rest; newest first within each. Each branch is planned on its
# own with the real words: a common word walks `post_published_idx` newest first and stops
# after `limit` matches, a rare one takes its few matches from the GIN index and sorts them.
# Either way the cost stays small whatever the number of matches (ts_rank over every match
# cost 1.4 s for a word in 90% of 100,000 posts). ts_headline runs for the page's rows only.
_SEARCH_SQL = """
SELECT p.title, p.slug, p.published_at, p.tier = 0, {headline}
FROM (
    (SELECT id, title, slug, published_at, body_html, 0 AS tier
     FROM blog_post
     WHERE status = 'published' AND kind = 'post' AND title_vector @@ {q}
       AND search_vector IS NOT NULL  -- a post being re-indexed after an edit, as below
     ORDER BY published_at DESC, id DESC LIMIT %(depth)s)
    UNION ALL
    (SELECT id, title, slug, published_at, body_html, 1 AS tier
     FROM blog_post
     WHERE status = 'published' AND kind = 'post' AND search_vector @@ {q}
       AND NOT coalesce(title_vector @@ {q}, false)
     ORDER BY published_at DESC, id DESC LIMIT %(depth)s)
) p
ORDER BY p.tier, p.published_at DESC, p.id DESC
LIMIT %(limit)s OFFSET %(offset)s
"""
_HEADLINE = (
    f'StartSel="{_START}", StopSel="{_STOP}", MaxWords=35, MinWords=15, MaxFragments=2, '
    'FragmentDelimiter=" … "'
)


def _search_rows(
    *, config: str, query: str, offset: int, limit: int, snippets: bool
) -> list[tuple]:
    q_sql, q_params = tsquery_sql(query=query, config=config)
    named = {f"q{i}": value for i, value in enumerate(q_params)}
    q_named = q_sql % tuple(f"%({name})s" for name in named)
    headline = (
        f"ts_headline(%(config)s::regconfig, p.body_html, {q_named}, %(headline)s)"
        if snippets
        else "NULL"
    )
    params = named | {
        "config": config,
        "headline": _HEADLINE,
        "depth": offset + limit,
        "limit": limit,
        "offset": offset,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SEARCH_SQL.format(q=q_named, headline=headline), params)
        return cursor.fetchall()


def posts_search(*, tenant: Tenant, query: str, page: int = 1, per_page: int = 10) -> SearchPage:
    """Published posts matching a web-search style query (quoted phrases, `or`, `-word`, the
    last word as a prefix): title matches first, then newest first, with highlighted snippets.
    The query must already be checked for length."""
    offset = (page - 1) * per_page
    rows = _search_rows(
        config=search_config(tenant=tenant),
        query=query,
        offset=offset,
        limit=per_page + 1,
        snippets=True,
    )
    hits = [
        SearchHit(title, slug, published_at, _highlight(snippet), in_title)
        for title, slug, published_at, in_title, snippet in rows[:per_page]
    ]
    return SearchPage(hits=hits, page=page, has_next=len(rows) > per_page)


@dataclass(frozen=True)
class Suggestion:
    title: str
    slug: str


def posts_suggest(*, tenant: Tenant, query: str, limit: int = 5) -> list[Suggestion]:
    """The first posts `posts_search` would show, titles only: for a search box that offers
    results as the reader types (the last word is a prefix)."""
    rows = _search_rows(
        config=search_config(tenant=tenant), query=query, offset=0, limit=limit, snippets=False
    )
    return [Suggestion(title, slug) for title, slug, *_rest in rows]


def _highlight(snippet: str) -> SafeString:
    text = " ".join(html.unescape(snippet or "").split())  # tags leave runs of spaces
    safe = escape(text)
    return mark_safe(safe.replace(_START, "<mark>").replace(_STOP, "</mark>"))  # noqa: S308
