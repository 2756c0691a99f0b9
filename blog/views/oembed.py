"""The blog as an oEmbed provider (oembed.com): `GET /oembed/?url=<a post's address>` answers
a card other sites embed (type `rich`: the title, the post's summary and the blog's name, as
escaped HTML with no script). Each post page names it with a discovery `<link>`.

The card is made from what every reader sees: of a gated post, the summary of its public part
and a line saying the rest is for members; never its gated part. Only this blog's published
posts, asked for by one of the blog's own hosts, have a card (404 otherwise); `format=xml` is
501, as the specification asks of a provider that gives JSON only."""

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import split_domain_port
from django.utils.html import format_html

from blog import selectors
from blog.cache import reader_page
from blog.models import Post
from tenants.context_processors import reader_base
from tenants.models import Domain

MAX_URL = 2000
DEFAULT_WIDTH, MIN_WIDTH, MAX_WIDTH = 550, 200, 1000
_LOCKED = {
    Post.Visibility.MEMBERS: "The rest of this post is for members.",
    Post.Visibility.PAID: "The rest of this post is for paying members.",
    Post.Visibility.TIERS: "The rest of this post is for members of some tiers.",
}


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _post_for(request: HttpRequest, url: str) -> Post | None:
    """The published post at `url`, when `url` is on one of this blog's hosts."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    asked, _port = split_domain_port(request.get_host())
    if host != asked and not Domain.objects.filter(tenant=request.tenant, domain=host).exists():
        return None
    slug = parts.path.strip("/")
    if not slug or "/" in slug:
        return None
    post, _moved = selectors.post_published_get(slug=slug)
    return post


def _width(raw: str) -> int:
    return max(MIN_WIDTH, min(MAX_WIDTH, int(raw))) if raw.isdecimal() else DEFAULT_WIDTH


@reader_page
def oembed(request: HttpRequest) -> HttpResponse:
    url = request.GET.get("url", "").strip()
    if not url:
        return _error(400, "Give the address of one of this blog's posts in `url`.")
    if len(url) > MAX_URL:
        return _error(400, f"`url` is longer than {MAX_URL} characters.")
    if request.GET.get("format", "json") != "json":
        return _error(501, "Only format=json is offered.")
    post = _post_for(request, url)
    if post is None:
        return _error(404, "No published post of this blog has that address.")
    settings = selectors.blog_settings_get()
    blog_title = settings.title or request.tenant.name
    base = reader_base(request)
    link = f"{base}/{post.slug}/"
    width = _width(request.GET.get("maxwidth", ""))
    locked = _LOCKED.get(post.visibility, "")
    html = format_html(
        '<blockquote class="quire-embed" cite="{}" style="max-width:{}px">'
        '<p><strong><a href="{}">{}</a></strong></p>{}{}<p>{}</p></blockquote>',
        link,
        width,
        link,
        post.title,
        format_html("<p>{}</p>", post.summary) if post.summary else "",
        format_html("<p><em>{}</em></p>", locked) if locked else "",
        blog_title,
    )
    answer = {
        "version": "1.0",
        "type": "rich",
        "title": post.title,
        "provider_name": blog_title,
        "provider_url": f"{base}/",
        "html": html,
        "width": width,
        "height": None,
        "cache_age": 3600,
    }
    if post.author_id and getattr(post.author, "name", ""):
        answer["author_name"] = post.author.name
    cover = post.cover_image_url
    if cover.startswith("/") and not cover.startswith("//"):
        cover = base + cover
    if cover.startswith(("http://", "https://")):
        answer["thumbnail_url"] = cover
    return JsonResponse(answer, json_dumps_params={"ensure_ascii": False})
