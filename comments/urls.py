"""A blog's comment URLs: the reader side (also on custom domains) and the dashboard."""

from django.urls import path

from comments.views import dashboard, moderation, reader

reader_urls = [
    path("comments/counts/", reader.counts, name="comment_counts"),
    path("comments/<int:post_id>/", reader.thread, name="comment_thread"),
    path("comments/<int:post_id>/me/", reader.me, name="comment_me"),
    path("comments/<int:post_id>/feed/", reader.feed, name="comment_feed"),
    path("comments/<int:post_id>/post/", reader.comment_post, name="comment_post"),
    path("comments/<int:post_id>/like/", reader.like, name="comment_like"),
    path("comments/c/<int:comment_id>/<str:action>/", reader.comment_change, name="comment_change"),
    path("comments/moderate/<str:token>/", moderation.moderate_link, name="comment_moderate_link"),
    path(
        "comments/replies/unsubscribe/<str:token>/",
        moderation.replies_unsubscribe,
        name="comment_replies_unsubscribe",
    ),  # fmt: skip
]

dashboard_urls = [
    path("dashboard/comments/", dashboard.queue, name="comments_queue"),
    path("dashboard/comments/moderate/", dashboard.moderate, name="comments_moderate"),
    path("dashboard/comments/notifications/", dashboard.notifications, name="comments_notify"),
    path("dashboard/comments/rules/", dashboard.rules, name="comments_rules"),
]

urlpatterns = reader_urls + dashboard_urls
