"""The sitemap lists the blog's URLs on its primary host, whichever of its hosts is asked."""

from contextvars import ContextVar
from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.http import HttpRequest, HttpResponse

from blog import selectors
from blog.models import Post
from tenants.context_processors import reader_base

_BASE: ContextVar[str] = ContextVar("sitemap_base")


def sitemap_view(request: HttpRequest, **kwargs) -> HttpResponse:
    """Django's sitemap view, with this request's canonical host for every location."""
    token = _BASE.set(reader_base(request))
    try:
        response = sitemap(request, **kwargs)
        if hasattr(response, "render"):
            response.render()  # inside: the template reads the locations lazily
        return response
    finally:
        _BASE.reset(token)


class _Canonical(Sitemap):
    def get_domain(self, site=None) -> str:  # noqa: ANN001 (Django's signature)
        return urlsplit(_BASE.get()).netloc

    def get_protocol(self, protocol=None) -> str:  # noqa: ANN001
        return urlsplit(_BASE.get()).scheme


class PostSitemap(_Canonical):
    """Published posts and pages of the current schema (the request's blog)."""

    limit = 5000

    def items(self):  # noqa: ANN201
        return selectors.entries_for_sitemap()

    def location(self, item: Post) -> str:
        return f"/{item.slug}/"

    def lastmod(self, item: Post):  # noqa: ANN201
        return item.updated_at


class HomeSitemap(_Canonical):
    changefreq = "daily"

    def items(self) -> list[str]:
        return ["/"]

    def location(self, item: str) -> str:
        return item
