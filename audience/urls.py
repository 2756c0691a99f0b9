"""A blog's reader-side audience URLs (also on custom domains) and its dashboard pages."""

from django.urls import path

from audience.views import dashboard, members, reader

reader_urls = [
    path("subscribe/", reader.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:token>/", reader.confirm, name="subscribe_confirm"),
    path("unsubscribe/<str:token>/", reader.unsubscribe, name="unsubscribe"),
    path("members/signin/", members.signin, name="member_signin"),
    path("members/signin/<str:token>/", members.signin_link, name="member_signin_link"),
    path("members/signout/", members.signout, name="member_signout"),
]

dashboard_urls = [
    path("dashboard/subscribers/", dashboard.subscribers, name="subscribers"),
    path("dashboard/subscribers/import/", dashboard.subscribers_import, name="subscribers_import"),
    path("dashboard/subscribers/export/", dashboard.subscribers_export, name="subscribers_export"),
    path(
        "dashboard/subscribers/settings/",
        dashboard.subscribers_settings,
        name="subscribers_settings",
    ),
    path(
        "dashboard/subscribers/<int:pk>/remove/",
        dashboard.subscriber_remove,
        name="subscriber_remove",
    ),
    path("dashboard/newsletters/", dashboard.newsletters, name="newsletters"),
    path("dashboard/newsletters/test/<int:pk>/", dashboard.newsletter_test, name="newsletter_test"),
]

urlpatterns = reader_urls + dashboard_urls
