"""A member's private RSS feed: the blog's feed with the whole of each post the member may
read (as Substack's and Supercast's private podcast feeds). The URL's secret is the
member's `feed_token`; revoking it (or a new one) ends the old URL at once. Posts the member
can't read (a lapsed payment, another tier) show their public part, as the public feed does.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from blog.feeds import BlogRssFeed
from blog.models import Post
from memberships import services
from memberships.access import post_access
from memberships.models import ReaderMembership


class MemberFeed(BlogRssFeed):
    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    def get_object(self, request: HttpRequest, token: str) -> dict:  # type: ignore[override]
        membership = (
            ReaderMembership.objects.select_related("subscriber")
            .filter(feed_token=token[:64])
            .first()
            if token
            else None
        )
        if membership is None:
            raise Http404("no such feed")
        obj = super().get_object(request)
        obj["membership"] = membership
        obj["token"] = token
        grace = services.membership_settings_get().grace_days
        now = timezone.now()
        for item in obj["items"]:
            item.member_html = item.body_html
            if item.gated_html and post_access(
                item, member=membership.subscriber, membership=membership, now=now,
                grace_days=grace,
            ):  # fmt: skip
                item.member_html = item.body_html + item.gated_html
        return obj

    def feed_url(self, obj: dict) -> str:
        return obj["base"] + f"/members/feed/{obj['token']}/"

    def item_description(self, item: Post) -> str:
        return item.member_html

    def item_extra_kwargs(self, item: Post) -> dict:
        return {"content_html": item.member_html}
