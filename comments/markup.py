"""A comment's Markdown: paragraphs, emphasis, links, inline and block code, quotes; nothing
else (no headings, images, tables or raw HTML). The output goes through blog's sanitiser, then
a tighter allowlist of the same engine, and every link gets `rel="ugc nofollow noopener"`."""

import re

import nh3
from markdown_it import MarkdownIt

from blog.rendering import ALLOWED_URL_SCHEMES, sanitize

_md = MarkdownIt("zero", {"html": False, "breaks": True}).enable(
    ["emphasis", "link", "autolink", "backticks", "fence", "code", "blockquote", "newline",
     "escape", "entity"]
)  # fmt: skip
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S")

TAGS = {"p", "em", "strong", "a", "code", "pre", "blockquote", "br"}
LINK_REL = "ugc nofollow noopener"


def comment_render(source: str) -> str:
    html = sanitize(_md.render(source))  # the project's allowlist first, as for posts
    return nh3.clean(
        html,
        tags=TAGS,
        attributes={"a": {"href"}},
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def links_count(source: str) -> int:
    """Links in a comment: Markdown links and autolinks, or bare URLs (shown as text, but
    what link spam is made of), whichever is more."""
    return max(comment_render(source).count("<a "), len(_URL.findall(source)))
