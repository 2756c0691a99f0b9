"""`/search/?q=` on a blog, and `/search/suggest/<q>/` (JSON) for a search box that offers
results as the reader types. Any input gives a page: never a 500."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from blog import search, selectors
from blog.views.reader import page_number
from shared.accounts.ratelimits import rate_limited


def _clean(raw: str) -> str:
    return " ".join("".join(ch if ch.isprintable() else " " for ch in raw).split())


@rate_limited("search", methods=("GET",))
def search_page(request: HttpRequest) -> HttpResponse:
    settings = selectors.blog_settings_get()
    query = _clean(request.GET.get("q", ""))
    number = page_number(request.GET.get("page", "1"), limit=1000) or 1
    context = {
        "blog": settings,
        "blog_title": settings.title or request.tenant.name,
        "query": query,
        "max_length": search.MAX_QUERY_LENGTH,
    }
    if not query:
        context["message"] = "Type a word or two to search this blog."
    elif len(query) > search.MAX_QUERY_LENGTH:
        context["message"] = (
            f"That search is too long: use at most {search.MAX_QUERY_LENGTH} characters."
        )
        context["query"] = query[: search.MAX_QUERY_LENGTH]
    else:
        result = search.posts_search(tenant=request.tenant, query=query, page=number)
        context["result"] = result
        if not result.hits:
            context["message"] = (
                "No posts match that search. Try fewer or other words."
                if number == 1
                else "No more results."
            )
    return render(request, "blog/search.html", context)


def search_suggest(request: HttpRequest, q: str) -> JsonResponse:
    """Up to 5 posts for what the reader has typed so far. The query is in the path, so the
    reader page cache (`reader_page` in the URLs) stores answers per blog like any page."""
    query = _clean(q)[: search.MAX_QUERY_LENGTH]
    found = search.posts_suggest(tenant=request.tenant, query=query) if query else []
    return JsonResponse(
        {"query": query, "results": [{"title": s.title, "url": f"/{s.slug}/"} for s in found]}
    )
