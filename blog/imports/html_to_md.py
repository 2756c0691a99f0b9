"""HTML (WordPress classic or block markup, Ghost) to Markdown that a writer can edit.

The result is rendered by `blog.rendering.markdown_render` like any post (raw HTML off, then
the nh3 allowlist), so nothing here is trusted for safety: parsing with the standard library's
parser is fine, because whatever it gets wrong is escaped or stripped when rendered.

What Markdown cannot express is simplified and counted in `Converted.notes`: embeds (iframes,
video, audio) become links to their source, scripts, styles and forms are dropped, and
layout (columns, groups, covers, buttons) keeps its text and links.
"""

import re
from dataclasses import dataclass, field
from html import unescape

from bs4 import BeautifulSoup
from markdownify import MarkdownConverter

_DROPPED = (
    "script",
    "style",
    "form",
    "input",
    "select",
    "textarea",
    "button",
    "noscript",
    "svg",
    "template",
    "object",
    "canvas",
    "map",
)
_EMBEDS = ("iframe", "video", "audio", "embed", "source")
_BLOCK_START = re.compile(
    r"^\s*<(p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|dl|address|section|"
    r"details|iframe|video|audio)\b",
    re.I,
)
_SHORTCODE_CAPTION = re.compile(r"\[caption[^\]]*\](.*?)\[/caption\]", re.S | re.I)
_SHORTCODE_EMBED = re.compile(r"\[embed[^\]]*\](.*?)\[/embed\]", re.S | re.I)
_SHORTCODE_OTHER = re.compile(
    r"\[/?(gallery|audio|video|playlist|contact-form-7|wp_caption|embed|caption)\b[^\]]*\]", re.I
)
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass
class Converted:
    markdown: str
    images: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Converter(MarkdownConverter):
    def convert_img(self, el, text, parent_tags):  # noqa: D102
        src = el.get("src") or ""
        if src.startswith("data:"):
            return ""
        return super().convert_img(el, text, parent_tags)


_converter = _Converter(
    heading_style="ATX", bullets="-", escape_underscores=False, bs4_options="html.parser"
)


def autop(text: str) -> str:
    """WordPress's classic editor stores paragraphs as blank lines (`wpautop` adds the <p>s
    when showing them): do the same, roughly, so paragraphs survive."""
    chunks = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    out = []
    for chunk in chunks:
        chunk = chunk.strip()
        if not chunk:
            continue
        if _BLOCK_START.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


def _shortcodes(text: str, notes: list[str]) -> str:
    text = _SHORTCODE_CAPTION.sub(lambda m: m.group(1), text)
    text = _SHORTCODE_EMBED.sub(
        lambda m: f'<p><a href="{m.group(1).strip()}">{m.group(1).strip()}</a></p>', text
    )
    found = sorted({m.group(1).lower() for m in _SHORTCODE_OTHER.finditer(text)})
    if found:
        notes.append("WordPress shortcodes removed: " + ", ".join(f"[{n}]" for n in found))
    return _SHORTCODE_OTHER.sub("", text)


def _embed_replace(soup: BeautifulSoup, tag) -> None:
    """An iframe, video or audio becomes a paragraph with a link to its source."""
    src = tag.get("src") or ""
    if not src:
        inner = tag.find("source")
        src = inner.get("src", "") if inner else ""
    if src.startswith(("http://", "https://", "/")):
        link = soup.new_tag("a", href=src)
        link.string = src
        para = soup.new_tag("p")
        para.append(link)
        tag.replace_with(para)
    tag.decompose()  # its children (<source>, <track>) are not visited again


def html_to_markdown(html: str, *, classic: bool | None = None) -> Converted:
    """Convert one post's HTML. `classic`: apply `autop` (None: when the HTML has no block
    markup and no paragraphs of its own)."""
    notes: list[str] = []
    html = html or ""
    if classic is None:
        classic = "<!-- wp:" not in html and "<p" not in html.lower()
    if classic:
        html = autop(html)
    html = _shortcodes(html, notes)
    soup = BeautifulSoup(html, "html.parser")
    # One pass over the tags (comments are skipped by the converter itself).
    dropped: set[str] = set()
    embeds: set[str] = set()
    images: list[str] = []
    for tag in soup.find_all(True):
        if tag.decomposed:  # inside one removed already
            continue
        name = tag.name
        if name == "img":
            src = tag.get("src") or ""
            if src.startswith(("http://", "https://")) and src not in images:
                images.append(src)
        elif name in _DROPPED:
            dropped.add(name)
            tag.decompose()
        elif name in _EMBEDS:
            _embed_replace(soup, tag)
            embeds.add(name)
    if dropped:
        notes.append("removed (cannot be shown safely): " + ", ".join(sorted(dropped)))
    if embeds:
        notes.append("embedded media kept as links: " + ", ".join(sorted(embeds)))
    markdown = _converter.convert_soup(soup)
    markdown = _BLANK_LINES.sub("\n\n", markdown).strip()
    return Converted(markdown=markdown, images=images, notes=notes)


def text_from_html(html: str) -> str:
    """Plain text (titles and excerpts may carry entities and tags)."""
    if "<" not in (html or ""):
        return " ".join(unescape(html or "").split())
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())
