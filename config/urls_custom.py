"""URLs of a blog's custom domain: reader pages only. The dashboard, logins and billing stay on
the blog's platform subdomain, so no session cookie is ever set on a custom domain."""

from django.urls import URLPattern, path

from api import urls as api_urls
from audience import urls as audience_urls
from blog import search_views
from blog import urls as blog_urls
from comments import urls as comment_urls
from memberships import urls as membership_urls

_PLATFORM_ONLY = ("dashboard/", "accounts/")

urlpatterns = [
    api_urls.content_urls,  # the Content API; the Admin API stays on the platform subdomain
    path("search/", search_views.search_page, name="search"),
    *audience_urls.reader_urls,  # subscribe, confirm, unsubscribe (no session needed)
    *comment_urls.reader_urls,  # the thread, counts and the writes (member cookie, no session)
    *membership_urls.reader_urls,  # tiers, the member's page, gated parts, the private feed
] + [
    pattern
    for pattern in blog_urls.urlpatterns
    if isinstance(pattern, URLPattern) and not str(pattern.pattern).startswith(_PLATFORM_ONLY)
]

handler404 = "blog.views.page_not_found"
