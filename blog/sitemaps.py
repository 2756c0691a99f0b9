from django.contrib.sitemaps import Sitemap

from blog import selectors
from blog.models import Post


class PostSitemap(Sitemap):
    """Published posts and pages of the current schema (the request's blog)."""

    limit = 5000

    def items(self):  # noqa: ANN201
        return selectors.entries_for_sitemap()

    def location(self, item: Post) -> str:
        return f"/{item.slug}/"

    def lastmod(self, item: Post):  # noqa: ANN201
        return item.updated_at


class HomeSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> list[str]:
        return ["/"]

    def location(self, item: str) -> str:
        return item
