"""Public pages of a blog. Each runs at most 3 queries and is cached for anonymous readers."""

from itertools import groupby
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render

from blog import selectors
from blog.cache import reader_page
from blog.feeds import BlogFeed
from blog.models import BlogSettings, tag_slug
from tenants.context_processors import reader_base


def _context(request: HttpRequest, settings: BlogSettings, **extra: object) -> dict:
    return {
        "blog": settings,
        "blog_title": settings.title or request.tenant.name,
        "lang": selectors.language_tag(language=request.tenant.language),
        **extra,
    }


def _not_found(request: HttpRequest, settings: BlogSettings | None = None) -> HttpResponse:
    settings = settings or selectors.blog_settings_get()
    return render(request, "blog/404.html", _context(request, settings), status=404)


def page_number(raw: str, *, limit: int = 100_000) -> int | None:
    """A page number from a query string, or None. ASCII digits only ('²'.isdigit() is True
    but int('²') fails), and short (int() refuses over 4,300 digits)."""
    if not (raw.isascii() and raw.isdecimal() and len(raw) <= 6):
        return None
    number = int(raw)
    return number if 0 < number < limit else None


def _page_number(request: HttpRequest) -> int | None:
    return page_number(request.GET.get("page", "1"))


def _post_list(request: HttpRequest, *, tag: str | None) -> HttpResponse:
    """The home page, or a tag's page (`tag` is its slug; a tag no post has is a 404)."""
    settings = selectors.blog_settings_get()
    number = _page_number(request)
    if number is None:
        return _not_found(request, settings)
    page = selectors.posts_page(number=number, per_page=settings.posts_per_page, tag=tag)
    if not page.posts and (number > 1 or tag is not None):
        return _not_found(request, settings)
    context = {"page": page}
    if tag is not None:
        context |= {"tag": selectors.tag_name(post=page.posts[0], slug=tag), "tag_slug": tag}
    return render(request, "blog/home.html", _context(request, settings, **context))


@reader_page
def home(request: HttpRequest) -> HttpResponse:
    return _post_list(request, tag=None)


def _tag_slug_or_none(tag: str) -> str | None:
    """The canonical slug for a tag URL's part, or None when no tag can have it."""
    if not tag.isprintable() or not tag.strip():  # e.g. %00: PostgreSQL refuses NUL
        return None
    return tag_slug(tag.lower())


@reader_page
def tag_posts(request: HttpRequest, tag: str) -> HttpResponse:
    slug = _tag_slug_or_none(tag)
    if slug is None:
        return _not_found(request)
    if slug != tag:  # /tag/Python/ and the old /tag/first%20steps/ -> the slug's URL
        return HttpResponsePermanentRedirect(f"/tag/{quote(slug)}/")
    return _post_list(request, tag=slug)


_tag_feed = BlogFeed()


@reader_page
def tag_feed(request: HttpRequest, tag: str) -> HttpResponse:
    slug = _tag_slug_or_none(tag)
    if slug is None:
        return _not_found(request)
    if slug != tag:
        return HttpResponsePermanentRedirect(f"/tag/{quote(slug)}/feed/")
    request.blog_settings = settings = selectors.blog_settings_get()  # the feed's too
    try:
        return _tag_feed(request, tag=slug)
    except Http404:  # no post has this tag: a 404 page, cached like the others
        return _not_found(request, settings)


@reader_page
def post_detail(request: HttpRequest, slug: str) -> HttpResponse:
    settings = selectors.blog_settings_get()
    post, moved_to = selectors.post_published_get(slug=slug)
    if post is None:
        if moved_to is not None:
            return HttpResponsePermanentRedirect(f"/{moved_to}/")
        return _not_found(request, settings)
    request.surrogate_post_id = post.id  # its own surrogate key, beside the blog's
    return render(request, "blog/post.html", _context(request, settings, post=post))


@reader_page
def archive(request: HttpRequest) -> HttpResponse:
    settings = selectors.blog_settings_get()
    posts = selectors.posts_archive()
    months = [
        (month, list(items))
        for month, items in groupby(posts, key=lambda p: p.published_at.date().replace(day=1))
    ]
    return render(request, "blog/archive.html", _context(request, settings, months=months))


@reader_page
def opensearch(request: HttpRequest) -> HttpResponse:
    """The OpenSearch description of this blog's search (browsers offer it in the address bar)."""
    settings = selectors.blog_settings_get()
    origin = f"{request.scheme}://{request.get_host()}"
    return render(
        request,
        "blog/opensearch.xml",
        _context(request, settings, origin=origin),
        content_type="application/opensearchdescription+xml; charset=utf-8",
    )


@reader_page
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = reader_base(request) + "/sitemap.xml"
    body = f"User-agent: *\nDisallow: /dashboard/\nDisallow: /accounts/\n\nSitemap: {sitemap}\n"
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _not_found(request)
