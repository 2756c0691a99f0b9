"""A comment's Markdown: paragraphs, emphasis, links, inline and block code, quotes; nothing
else (markdown-it's "zero" preset with only those rules on, raw HTML off: no headings, images,
tables or HTML). The output goes through the project's sanitiser (`blog.rendering.sanitize`,
the allowlist posts go through), which also gives every link `rel="noopener nofollow ugc"`."""

import re

from markdown_it import MarkdownIt

from blog.rendering import sanitize

_md = MarkdownIt("zero", {"html": False, "breaks": True}).enable(
    ["emphasis", "link", "autolink", "backticks", "fence", "code", "blockquote", "newline",
     "escape", "entity"]
)  # fmt: skip
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S")


def comment_render(source: str) -> str:
    return sanitize(_md.render(source))


def links_count(source: str) -> int:
    """Links in a comment: Markdown links and autolinks, or bare URLs (shown as text, but
    what link spam is made of), whichever is more."""
    return max(comment_render(source).count("<a "), len(_URL.findall(source)))
