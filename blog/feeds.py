"""Atom and RSS feeds of a blog (the current schema), with full post content."""

from urllib.parse import quote

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.templatetags.static import static
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, Stylesheet
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator

from blog import selectors
from blog.models import BlogSettings, Post
from tenants.context_processors import reader_base

# Chromium shows application/atom+xml and application/rss+xml as plain source text and
# applies the feed's XSLT only to XML types; feed readers take application/xml alike (they
# find the feeds through the pages' <link rel="alternate" type="application/atom+xml">).
_BROWSER_RENDERED_XML = "application/xml; charset=utf-8"


class _AtomWithContent(Atom1Feed):
    """Atom with the whole post in <content type="html"> and the excerpt as <summary>, and
    the browser stylesheet (Django's Atom feed has no stylesheet hook; its RSS feed has)."""

    content_type = _BROWSER_RENDERED_XML

    def write(self, outfile, encoding) -> None:  # noqa: ANN001 (Django's signature)
        handler = SimplerXMLGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        for stylesheet in self.feed["stylesheets"] or []:
            handler.processingInstruction("xml-stylesheet", stylesheet)
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def add_item_elements(self, handler, item) -> None:  # noqa: ANN001 (Django's signature)
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content_html"], {"type": "html"})


class _RssWithContent(Rss201rev2Feed):
    content_type = _BROWSER_RENDERED_XML


class BlogFeed(Feed):
    feed_type = _AtomWithContent
    feed_path = "/feed/"

    def get_object(self, request: HttpRequest, tag: str | None = None) -> dict:
        """`tag` is a tag's URL slug (see `blog.views.reader.tag_feed`); a tag no published
        post has is a 404."""
        if tag is not None and not tag.isprintable():
            raise Http404("no such tag")
        settings: BlogSettings = (
            getattr(request, "blog_settings", None) or selectors.blog_settings_get()
        )
        items = selectors.posts_for_feed(tag=tag)
        if tag is not None and not items:
            raise Http404("no such tag")
        name = selectors.tag_name(post=items[0], slug=tag) if tag is not None else None
        return {
            "settings": settings,
            "tenant": request.tenant,
            "tag": tag,
            "tag_name": name,
            "items": items,
            # Absolute links on the blog's primary host, so a feed fetched on another of its
            # hosts has the same ids and links (a feed reader sees one feed, not two).
            "base": reader_base(request),
        }

    def stylesheets(self) -> list[Stylesheet]:
        """A visitor who opens the feed in a browser sees a "how to follow" page (XSLT, served
        from the blog's own host: browsers apply only same-origin stylesheets)."""
        return [Stylesheet(static("feed.xsl"), mimetype="text/xsl")]

    def title(self, obj: dict) -> str:
        name = obj["settings"].title or obj["tenant"].name
        return f"{name}: {obj['tag_name']}" if obj["tag"] else name

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
        return obj["base"] + (f"/tag/{quote(obj['tag'])}/" if obj["tag"] else "/")

    def feed_url(self, obj: dict) -> str:
        path = f"/tag/{quote(obj['tag'])}{self.feed_path}" if obj["tag"] else self.feed_path
        return obj["base"] + path

    def items(self, obj: dict) -> list[Post]:
        for item in obj["items"]:
            item.reader_base = obj["base"]
        return obj["items"]

    def item_title(self, item: Post) -> str:
        return item.title

    def item_description(self, item: Post) -> str:
        return escape(item.summary)  # plain text, in an element of type "html"

    def item_link(self, item: Post) -> str:
        return f"{item.reader_base}/{item.slug}/"

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
