"""`/search/?q=` on a blog. Any input gives a page: never a 500."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from blog import search, selectors
from blog.views.reader import page_number
from shared.accounts.ratelimits import rate_limited


@rate_limited("search", methods=("GET",))
def search_page(request: HttpRequest) -> HttpResponse:
    settings = selectors.blog_settings_get()
    raw = "".join(ch if ch.isprintable() else " " for ch in request.GET.get("q", ""))
    query = " ".join(raw.split())
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
