"""A post's comments as an Atom feed (`/comments/<post id>/feed/`): its approved comments,
newest first, at most 50."""

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.utils.feedgenerator import Atom1Feed

from blog.models import Post
from comments.models import Comment
from tenants.context_processors import reader_base


class PostCommentsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, post_id: int) -> dict:
        post = Post.objects.filter(id=post_id, status=Post.Status.PUBLISHED, kind="post").first()
        if post is None:
            raise Http404("No such post")
        comments = list(
            Comment.objects.filter(post_id=post.id, status=Comment.Status.APPROVED).order_by(
                "-created_at", "-id"
            )[:50]
        )
        for comment in comments:
            comment.post = post  # one post: no query per item for its link
        return {"post": post, "comments": comments, "base": reader_base(request)}

    def title(self, obj: dict) -> str:
        return f"Comments on “{obj['post'].title}”"

    def link(self, obj: dict) -> str:
        return f"{obj['base']}/{obj['post'].slug}/#comments"

    def feed_url(self, obj: dict) -> str:
        return f"{obj['base']}/comments/{obj['post'].id}/feed/"

    def subtitle(self, obj: dict) -> str:
        return f"Comments on {obj['post'].title}"

    def items(self, obj: dict) -> list[Comment]:
        return obj["comments"]

    def item_title(self, item: Comment) -> str:
        return f"{item.author_name} wrote"

    def item_description(self, item: Comment) -> str:
        return item.body_html

    def item_link(self, item: Comment) -> str:
        return f"/{item.post.slug}/#comment-{item.id}"

    def item_guid(self, item: Comment) -> str:
        return f"comment-{item.id}"

    def item_pubdate(self, item: Comment):
        return item.created_at

    def item_updateddate(self, item: Comment):
        return item.edited_at or item.created_at

    def item_author_name(self, item: Comment) -> str:
        return item.author_name
