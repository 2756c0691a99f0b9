"""URLs of a blog's host. There is no admin and no signup here."""

from django.urls import include, path

from analytics import views as analytics_views
from api import urls as api_urls
from api import views as api_views
from blog import search_views
from blog.cache import reader_page
from blog.views import domains as domain_views
from shared.accounts import views as account_views

urlpatterns = [
    api_urls.content_urls,
    api_urls.admin_urls,
    path("dashboard/api/", api_views.api_page, name="api_dashboard"),
    path("dashboard/api/tokens/<int:pk>/revoke/", api_views.token_revoke, name="api_token_revoke"),
    path("dashboard/api/content/", api_views.content_settings, name="api_content_settings"),
    path("dashboard/api/webhooks/", include("webhooks.urls")),
    path("accounts/handoff/", account_views.handoff, name="handoff"),
    path("accounts/signup/", account_views.signup_on_root),
    path("accounts/time-zone/", account_views.time_zone, name="account_time_zone"),
    path("accounts/", include("allauth.urls")),
    path("dashboard/analytics/", analytics_views.analytics_page, name="analytics"),
    path("dashboard/billing/", include("shared.billing.urls_dashboard")),
    path("dashboard/domain/", domain_views.domain, name="domain"),
    path("dashboard/domain/check/", domain_views.domain_check, name="domain_check"),
    path("dashboard/domain/primary/", domain_views.domain_primary, name="domain_primary"),
    path("dashboard/domain/remove/", domain_views.domain_remove, name="domain_remove"),
    path("search/", search_views.search_page, name="search"),
    path("search/suggest/<str:q>/", reader_page(search_views.search_suggest), name="suggest"),
    path("", include("media.urls")),
    path("", include("audience.urls")),  # before blog's /<slug>/
    path("", include("comments.urls")),
    path("", include("memberships.urls")),
    path("", include("blog.urls")),
]

handler404 = "blog.views.page_not_found"
handler429 = "shared.accounts.ratelimits.handler429"
