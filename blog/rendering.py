"""Markdown to safe HTML: markdown-it with raw HTML off, then an nh3 allowlist.

Fenced code with a known language is highlighted by Pygments (through markdown-it's
`highlight` option) as `<span class="tok-…">` inside `<pre><code>`; the colours are in
`static/code-light.css` and `static/code-dark.css` (one per theme). The highlighted HTML goes
through nh3 like everything else, which keeps only Pygments' token classes on `span`.
"""

import html as html_lib
import re

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from media.rendering import images_enhance

CODE_CLASS_PREFIX = "tok-"
_formatter = HtmlFormatter(nowrap=True, classprefix=CODE_CLASS_PREFIX)
# Languages longer than this are not looked up (an info string is the writer's free text).
_MAX_LANGUAGE = 40


def _highlight(code: str, language: str, _attrs: str) -> str:
    """Pygments' spans for `code`, or "" (markdown-it then escapes the code itself)."""
    language = (language or "").strip().lower()
    if not language or len(language) > _MAX_LANGUAGE:
        return ""
    try:
        lexer = get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return ""
    return highlight(code, lexer, _formatter)


_md = (
    MarkdownIt(
        "commonmark",
        {"html": False, "linkify": False, "typographer": False, "highlight": _highlight},
    )
    .enable("table")
    .enable("strikethrough")
    .use(footnote_plugin)
)

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "figcaption", "figure", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "s", "section", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "li": {"id"},
    "sup": {"id", "class"},
    "section": {"class"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
# `span` exists only for highlighted code: it may carry Pygments' token classes, nothing else.
ALLOWED_CLASSES = {
    "span": {f"{CODE_CLASS_PREFIX}{short}" for short in STANDARD_TYPES.values() if short}
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener nofollow ugc"


def sanitize(html: str) -> str:
    """The allowlist every rendered post goes through (also tested on its own)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def markdown_render(source: str) -> str:
    # nh3 first; then this blog's own images get width, height and srcset (media/rendering.py)
    return images_enhance(sanitize(_md.render(source or "")))


# The paywall marker (Ghost's, so Ghost exports keep theirs), on a line of its own: what
# comes before it is for everyone, the rest for readers with access.
PAYWALL_MARKER = "<!--members-only-->"
# (Browsers send a textarea's lines ended by \r\n.)
_MARKER_LINE = re.compile(r"^[ \t]*<!--members-only-->[ \t]*\r?$", re.MULTILINE)


def _marker_found(source: str) -> re.Match | None:
    """The first marker line outside code (a fenced or indented block, as markdown-it reads
    it): a post that shows the marker in an example is not split there."""
    found = _MARKER_LINE.search(source)
    if found is None:
        return None
    code = [t.map for t in _md.parse(source) if t.type in ("fence", "code_block") and t.map]
    while found is not None:
        line = source.count("\n", 0, found.start())
        if not any(start <= line < end for start, end in code):
            return found
        found = _MARKER_LINE.search(source, found.end())
    return None


def _split(source: str) -> tuple[str, str, bool]:
    """(before the marker line, after it, whether there is one)."""
    found = _marker_found(source)
    if found is None:
        return source, "", False
    return source[: found.start()].rstrip(), source[found.end() :].lstrip("\r\n"), True


def paywall_split(source: str) -> tuple[str, str]:
    """(before the first marker line, after it); without a marker, (source, "")."""
    public, gated, _marked = _split(source or "")
    return public, gated


def paywall_public(*, body: str, visibility: str) -> str:
    """The Markdown every reader sees: all of a public post (marker dropped); of a gated one
    what is before the marker line, and nothing without one."""
    public, gated, marked = _split(body or "")
    if visibility == "public":
        return f"{public}\n\n{gated}" if gated else public
    return public if marked else ""


def post_html_render(*, body: str, visibility: str) -> tuple[str, str]:
    """(body_html, gated_html) of a post. A public post is rendered whole (the marker
    dropped); a gated one renders what is before the marker as body_html and the rest as
    gated_html, and without a marker all of it is gated."""
    public, gated, marked = _split(body or "")
    if visibility == "public":
        whole = f"{public}\n\n{gated}" if gated else public
        return markdown_render(whole), ""
    if not marked:
        return "", markdown_render(body)
    return markdown_render(public), markdown_render(gated)


# Left out of summaries: code blocks, tables and footnotes (references and notes) are not
# prose, and squashed into one line they read as noise.
_NOT_PROSE = {"pre", "table", "section", "sup", "script", "style"}


def prose_text(html: str, *, prose_only: bool = False) -> str:
    """The text of an HTML fragment (or of typed text), tags removed by nh3, which accepts any
    input (Django's `strip_tags` raises on some). With `prose_only`, without code blocks,
    tables and footnotes."""
    text = nh3.clean(
        html,
        tags=set(),
        attributes={},
        clean_content_tags=_NOT_PROSE if prose_only else {"script", "style"},
        strip_comments=True,
    )
    return html_lib.unescape(text)


# Pygments styles of the two themes' code stylesheets (static/code-<theme>.css).
CODE_STYLES = {"light": "default", "dark": "github-dark"}


def code_stylesheet(*, theme: str) -> str:
    """The CSS of `static/code-<theme>.css`: colours for the token classes only (the block's
    background is the theme's). Regenerate with `python -m blog.rendering`."""
    formatter = HtmlFormatter(style=CODE_STYLES[theme], classprefix=CODE_CLASS_PREFIX)
    rules = [line for line in formatter.get_style_defs("pre code").splitlines() if ".tok-" in line]
    header = f"/* Highlighted code, {theme} theme: Pygments' {CODE_STYLES[theme]} style. */"
    return "\n".join([header, *rules]) + "\n"


if __name__ == "__main__":
    from pathlib import Path

    static = Path(__file__).resolve().parent.parent / "static"
    for theme in CODE_STYLES:
        (static / f"code-{theme}.css").write_text(code_stylesheet(theme=theme))
