"""Atom and RSS feeds of a blog (the current schema), with full post content."""

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from blog import selectors
from blog.models import BlogSettings, Post


class _AtomWithContent(Atom1Feed):
    """Atom with the whole post in <content type="html"> and the excerpt as <summary>."""

    def add_item_elements(self, handler, item) -> None:  # noqa: ANN001 (Django's signature)
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content_html"], {"type": "html"})


class _RssWithContent(Rss201rev2Feed):
    pass


class BlogFeed(Feed):
    feed_type = _AtomWithContent
    feed_path = "/feed/"

    def get_object(self, request: HttpRequest, tag: str | None = None) -> dict:
        if tag is not None and not tag.isprintable():
            raise Http404("no such tag")
        settings: BlogSettings = selectors.blog_settings_get()
        return {"settings": settings, "tenant": request.tenant, "tag": tag}

    def title(self, obj: dict) -> str:
        name = obj["settings"].title or obj["tenant"].name
        return f"{name}: {obj['tag']}" if obj["tag"] else name

    def author_name(self, obj: dict) -> str:
        return obj["settings"].title or obj["tenant"].name

    def get_feed(self, obj: dict, request: HttpRequest):  # noqa: ANN201
        feed = super().get_feed(obj, request)
        feed.feed["language"] = selectors.language_tag(language=obj["tenant"].language)
        return feed

    def subtitle(self, obj: dict) -> str:
        return obj["settings"].tagline or obj["settings"].description

    description = subtitle

    def link(self, obj: dict) -> str:
        return f"/tag/{obj['tag']}/" if obj["tag"] else "/"

    def feed_url(self, obj: dict) -> str:
        return f"/tag/{obj['tag']}{self.feed_path}" if obj["tag"] else self.feed_path

    def items(self, obj: dict) -> list[Post]:
        return selectors.posts_for_feed(tag=obj["tag"])

    def item_title(self, item: Post) -> str:
        return item.title

    def item_description(self, item: Post) -> str:
        return item.summary

    def item_link(self, item: Post) -> str:
        return f"/{item.slug}/"

    def item_pubdate(self, item: Post):  # noqa: ANN201
        return item.published_at

    def item_updateddate(self, item: Post):  # noqa: ANN201
        return item.updated_at

    def item_categories(self, item: Post) -> list[str]:
        return item.tags

    def item_extra_kwargs(self, item: Post) -> dict:
        return {"content_html": item.body_html}


class BlogRssFeed(BlogFeed):
    feed_type = _RssWithContent
    feed_path = "/rss/"

    def item_description(self, item: Post) -> str:
        return item.body_html  # RSS readers show the description: the full post
