"""URLs of a blog's host. There is no admin and no signup here."""

from django.urls import include, path

from blog import search_views
from shared.accounts import views as account_views
from tenants import views as tenant_views

urlpatterns = [
    path("accounts/handoff/", account_views.handoff, name="handoff"),
    path("accounts/signup/", tenant_views.not_found),
    path("accounts/", include("allauth.urls")),
    path("dashboard/billing/", include("shared.billing.urls_dashboard")),
    path("search/", search_views.search_page, name="search"),
    path("", include("media.urls")),
    path("", include("blog.urls")),
]

handler404 = "blog.views.page_not_found"
