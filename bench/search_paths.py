"""The two search paths bench/search compares with `blog.search.posts_search`, served by the
same gunicorn (bench/search_settings.py):

- `/search-old/`: the earlier query, verbatim: GIN + `ts_rank` over every
  match, best first.
- `/search-rum/`: the RUM index ordering matches by `search_vector <=> tsquery` (needs the
  `rum` extension and the `post_search_rum` index the bench makes).
"""

from collections.abc import Callable

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from blog import search, selectors
from blog.models import Post
from blog.search import _HEADLINE, _START, _STOP, SearchHit, SearchPage, _highlight


def posts_search_old(*, tenant, query: str, page: int = 1, per_page: int = 10) -> SearchPage:
    config = search.search_config(tenant=tenant)
    tsquery = SearchQuery(query, search_type="websearch", config=config)
    offset = (page - 1) * per_page
    rows = list(
        Post.objects.filter(
            status=Post.Status.PUBLISHED, kind=Post.Kind.POST, search_vector=tsquery
        )
        .annotate(
            rank=SearchRank(F("search_vector"), tsquery),
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
            ),  # fmt: skip
        )
        .order_by("-rank", "-published_at", "-id")
        .values_list("title", "slug", "published_at", "snippet")[offset : offset + per_page + 1]
    )
    hits = [SearchHit(t, s, p, _highlight(h), False) for t, s, p, h in rows[:per_page]]
    return SearchPage(hits=hits, page=page, has_next=len(rows) > per_page)


_RUM_SQL = """
SELECT p.title, p.slug, p.published_at,
       ts_headline(%(config)s::regconfig, p.body_html, {q}, %(headline)s)
FROM (SELECT title, slug, published_at, body_html FROM blog_post
      WHERE status = 'published' AND kind = 'post' AND search_vector @@ {q}
      ORDER BY search_vector <=> {q} LIMIT %(limit)s OFFSET %(offset)s) p
"""


def posts_search_rum(*, tenant, query: str, page: int = 1, per_page: int = 10) -> SearchPage:
    config = search.search_config(tenant=tenant)
    q = "websearch_to_tsquery(%(config)s::regconfig, %(query)s)"
    params = {
        "config": config, "query": query, "headline": _HEADLINE,
        "limit": per_page + 1, "offset": (page - 1) * per_page,
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_RUM_SQL.format(q=q), params)
        rows = cursor.fetchall()
    hits = [SearchHit(t, s, p, _highlight(h), False) for t, s, p, h in rows[:per_page]]
    return SearchPage(hits=hits, page=page, has_next=len(rows) > per_page)


def _view(search_fn: Callable[..., SearchPage]) -> Callable[[HttpRequest], HttpResponse]:
    def view(request: HttpRequest) -> HttpResponse:
        settings = selectors.blog_settings_get()
        query = " ".join(request.GET.get("q", "").split())
        context = {
            "blog": settings, "blog_title": settings.title or request.tenant.name,
            "query": query, "max_length": search.MAX_QUERY_LENGTH,
            "result": search_fn(tenant=request.tenant, query=query),
        }  # fmt: skip
        return render(request, "blog/search.html", context)

    return view


search_old = _view(posts_search_old)
search_rum = _view(posts_search_rum)
