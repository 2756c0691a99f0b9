from django.urls import path

from blog.cache import reader_page
from blog.feeds import BlogFeed, BlogRssFeed
from blog.sitemaps import HomeSitemap, PostSitemap, sitemap_view
from blog.views import dashboard, history, members, oembed, port, reader
from shared.accounts import views as account_views

_sitemaps = {"home": HomeSitemap, "posts": PostSitemap}

urlpatterns = [
    path("", reader.home, name="home"),
    path("archive/", reader.archive, name="archive"),
    path("feed/", reader_page(BlogFeed()), name="feed_atom"),
    path("rss/", reader_page(BlogRssFeed()), name="feed_rss"),
    path("tag/<str:tag>/", reader.tag_posts, name="tag"),
    path("tag/<str:tag>/feed/", reader.tag_feed, name="tag_feed"),
    path(
        "sitemap.xml",
        reader_page(sitemap_view),
        {"sitemaps": _sitemaps, "template_name": "blog/sitemap.xml"},
        name="sitemap",
    ),
    path("robots.txt", reader.robots_txt, name="robots_txt"),
    path("opensearch.xml", reader.opensearch, name="opensearch"),
    path("oembed/", oembed.oembed, name="oembed"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/preview/", dashboard.preview, name="dashboard_preview"),
    path("dashboard/posts/new/", dashboard.post_new, name="post_new"),
    path("dashboard/pages/new/", dashboard.page_new, name="page_new"),
    path("dashboard/posts/<int:pk>/", dashboard.post_edit, name="post_edit"),
    path("dashboard/posts/<int:pk>/delete/", dashboard.post_delete, name="post_delete"),
    path("dashboard/posts/<int:pk>/history/", history.post_history, name="post_history"),
    path(
        "dashboard/posts/<int:pk>/history/<int:revision_id>/restore/",
        history.post_history_restore,
        name="post_history_restore",
    ),
    path("dashboard/settings/", dashboard.blog_settings, name="blog_settings"),
    path("dashboard/settings/saved/", dashboard.blog_settings, name="blog_settings_saved"),
    path("dashboard/tags/", dashboard.tags, name="tags"),
    path("dashboard/import/", port.import_page, name="import"),
    path("dashboard/import/<uuid:job_id>/", port.import_job, name="import_job"),
    path("dashboard/import/<uuid:job_id>/status/", port.import_status, name="import_status"),
    path("dashboard/export/", port.export_page, name="export"),
    path("dashboard/export/download/<str:token>/", port.export_download, name="export_download"),
    path("dashboard/members/", members.members, name="members"),
    path("dashboard/members/<int:pk>/remove/", members.member_remove, name="member_remove"),
    path("dashboard/members/<int:pk>/role/", members.member_role, name="member_role"),
    path(
        "dashboard/members/invitations/<uuid:invitation_id>/revoke/",
        members.invitation_revoke,
        name="invitation_revoke",
    ),
    path("dashboard/join/<str:token>/", account_views.invitation_accept, name="invitation_accept"),
    path("<slug:slug>/", reader.post_detail, name="post_detail"),
]
