"""URLs of the platform's root domain (and www.)."""

from django.contrib import admin
from django.urls import include, path

from audience.views import webhook as audience_webhook
from memberships.views import platform as membership_platform
from shared.accounts import views as account_views
from signup import views as signup_views
from tenants import views as tenant_views

urlpatterns = [
    path("", tenant_views.platform_home, name="platform_home"),
    path("signup/", include("signup.urls")),
    path("admin/", admin.site.urls),
    path("accounts/signup/", signup_views.SignupView.as_view(), name="account_signup"),
    path("accounts/delete/", signup_views.account_delete, name="account_delete"),
    path("accounts/time-zone/", account_views.time_zone, name="account_time_zone"),
    path("accounts/", include("allauth.urls")),
    path("blogs/", account_views.my_blogs, name="my_blogs"),
    path("blogs/new/", signup_views.blog_new, name="blog_new"),
    path("blogs/<str:subdomain>/open/", account_views.blog_open, name="blog_open"),
    path("billing/", include("shared.billing.urls")),
    # Paid memberships: every blog's Connect events, and Connect OAuth's return address.
    path(
        "billing/stripe/connect/",
        membership_platform.connect_webhook,
        name="stripe_connect_webhook",
    ),
    path("billing/connect/return/", membership_platform.connect_return, name="connect_return"),
    path("webhooks/email/", audience_webhook.email_events, name="email_events"),
]
