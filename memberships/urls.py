"""A blog's membership URLs: readers' (also on custom domains) and the dashboard's."""

from django.urls import path

from memberships.feeds import MemberFeed
from memberships.views import dashboard, reader

reader_urls = [
    path("members/join/", reader.join, name="members_join"),
    path("members/account/", reader.account, name="members_account"),
    path("members/checkout/", reader.checkout, name="members_checkout"),
    path("members/billing/", reader.billing, name="members_billing"),
    path("members/change/", reader.change, name="members_change"),
    path("members/feed/", reader.feed_link, name="members_feed_link"),
    path("members/feed/<str:token>/", MemberFeed(), name="members_feed"),
    path("members/posts/<int:post_id>/gated/", reader.gated, name="members_gated"),
    path("members/offer/<str:code>/", reader.offer, name="members_offer"),
]

dashboard_urls = [
    path("dashboard/memberships/", dashboard.overview, name="memberships"),
    path("dashboard/memberships/connect/", dashboard.connect, name="memberships_connect"),
    path(
        "dashboard/memberships/connect/done/",
        dashboard.connect_done,
        name="memberships_connect_done",
    ),
    path("dashboard/memberships/disconnect/", dashboard.disconnect, name="memberships_disconnect"),
    path("dashboard/memberships/tiers/new/", dashboard.tier_edit, name="memberships_tier_new"),
    path("dashboard/memberships/tiers/<int:pk>/", dashboard.tier_edit, name="memberships_tier"),
    path("dashboard/memberships/settings/", dashboard.settings_save, name="memberships_settings"),
    path("dashboard/memberships/members/", dashboard.members, name="memberships_members"),
    path(
        "dashboard/memberships/members/import/", dashboard.members_import, name="memberships_import"
    ),
    path("dashboard/memberships/comp/", dashboard.comp, name="memberships_comp"),
    path(
        "dashboard/memberships/comp/<int:pk>/end/", dashboard.comp_end, name="memberships_comp_end"
    ),
    path("dashboard/memberships/offers/", dashboard.offer_new, name="memberships_offer_new"),
]

urlpatterns = reader_urls + dashboard_urls
