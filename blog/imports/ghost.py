"""Ghost's JSON export (versions 4 and 5): `db[0].data.posts`, `tags`, `posts_tags`, `users`,
`posts_authors`, and in newer exports `comments` (with `members` for their authors). Bodies:
`html` when present, else `lexical` (5.x) or `mobiledoc` (4.x), rendered to HTML here and
converted like WordPress's.

A post's `visibility` (public, members, paid, tiers) is kept: Ghost's members are Quire's
members, its paid members Quire's paying members; a post for chosen tiers is imported for
all paying members, with a note (Ghost's tiers are not this blog's). Ghost's paywall card
(`<!--members-only-->` in the html, a `paywall` card or node in mobiledoc and lexical)
becomes Quire's marker line at the same place.
"""

import json
import re
from datetime import UTC, datetime
from html import escape

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from blog.imports.common import ImportItem, ImportRefused, Parsed, item_access_set
from blog.imports.html_to_md import html_to_markdown, text_from_html
from blog.rendering import PAYWALL_MARKER, markdown_render
from lib.shapes import Items, Number, Object, ShapeError, shape_check

FORMAT = "Ghost (JSON)"

# What the reader below takes from an export, of the types Ghost writes; any other shape is
# refused with the field named, before anything is read.
_KEY = (str, int)
_WHEN = (str, Number(0, 253_402_300_799_999))  # text, or (Ghost 1.x) milliseconds
_ROWS = {
    "posts": Items(
        Object(
            {},
            optional={
                **dict.fromkeys(("id", "uuid", "author_id"), _KEY),
                **dict.fromkeys(
                    (
                        "title",
                        "slug",
                        "html",
                        "lexical",
                        "mobiledoc",
                        "status",
                        "visibility",
                        "type",
                        "feature_image",
                        "custom_excerpt",
                        "meta_description",
                        "canonical_url",
                    ),
                    str,
                ),  # fmt: skip
                "page": (bool, int),
                "published_at": _WHEN,
                "tiers": Items(Object({}, optional={"id": _KEY, "name": str, "slug": str})),
            },
        )
    ),
    "tags": Items(Object({}, optional={"id": _KEY, "name": str, "visibility": str})),
    "users": Items(Object({}, optional={"id": _KEY, "email": str})),
    "members": Items(Object({}, optional={"id": _KEY, "email": str, "name": str})),
    "comments": Items(
        Object(
            {},
            optional={
                **dict.fromkeys(("id", "post_id", "member_id", "parent_id"), _KEY),
                **dict.fromkeys(("status", "html"), str),
                "created_at": _WHEN,
            },
        )
    ),
    **dict.fromkeys(
        ("posts_tags", "posts_authors"),
        Items(
            Object(
                {},
                optional={"post_id": _KEY, "tag_id": _KEY, "author_id": _KEY, "sort_order": int},
            )
        ),
    ),
}
GHOST_DATA = Object({"posts": _ROWS["posts"]}, optional=_ROWS)


def _data(doc: object) -> dict:
    if isinstance(doc, dict) and isinstance(doc.get("db"), list) and doc["db"]:
        doc = doc["db"][0]
    if isinstance(doc, dict) and isinstance(doc.get("data"), dict):
        return doc["data"]
    raise ImportRefused(
        "This JSON file is not a Ghost export (no db[0].data). In Ghost, use Settings → "
        "Advanced → Import/Export → Export your content."
    )


# --- mobiledoc (Ghost 4) -------------------------------------------------------------------


def _card_html(name: str, payload: dict) -> str:
    if name == "markdown":
        return markdown_render(str(payload.get("markdown", "")))
    if name in ("html", "embed"):
        return str(payload.get("html", ""))
    if name == "image":
        src, cap = escape(str(payload.get("src", ""))), str(payload.get("caption", ""))
        return f'<figure><img src="{src}" alt="{escape(str(payload.get("alt", "")))}">' + (
            f"<figcaption>{cap}</figcaption></figure>" if cap else "</figure>"
        )
    if name == "code":
        return f"<pre><code>{escape(str(payload.get('code', '')))}</code></pre>"
    if name == "hr":
        return "<hr>"
    if name == "paywall":
        return PAYWALL_MARKER
    if name == "bookmark":
        url = escape(str(payload.get("url", "")))
        return f'<p><a href="{url}">{url}</a></p>'
    return ""


def _markers_html(markers: list, markups: list) -> str:
    out, open_tags = [], []
    for marker in markers:
        kind, opens, closes, value = (marker + [0, [], 0, ""])[:4]
        for index in opens:
            tag, *attrs = markups[index] + [[]] if index < len(markups) else ["span", []]
            attrs = attrs[0] if attrs else []
            pairs = " ".join(
                f'{escape(str(attrs[i]))}="{escape(str(attrs[i + 1]))}"'
                for i in range(0, len(attrs) - 1, 2)
            )
            out.append(f"<{tag}{' ' + pairs if pairs else ''}>")
            open_tags.append(tag)
        out.append(escape(str(value)) if kind == 0 else "")
        for _ in range(closes):
            if open_tags:
                out.append(f"</{open_tags.pop()}>")
    out.extend(f"</{t}>" for t in reversed(open_tags))
    return "".join(out)


def mobiledoc_html(raw: str) -> str:
    doc = json.loads(raw)
    markups, cards = doc.get("markups", []), doc.get("cards", [])
    html = []
    for section in doc.get("sections", []):
        if section[0] == 1:  # markup section: [1, tag, markers]
            tag = str(section[1]).lower()
            tag = tag if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote") else "p"
            html.append(f"<{tag}>{_markers_html(section[2], markups)}</{tag}>")
        elif section[0] == 3:  # list section: [3, "ul"|"ol", [markers, ...]]
            tag = "ol" if section[1] == "ol" else "ul"
            items = "".join(f"<li>{_markers_html(m, markups)}</li>" for m in section[2])
            html.append(f"<{tag}>{items}</{tag}>")
        elif section[0] == 10 and section[1] < len(cards):  # card section
            name, payload = cards[section[1]]
            html.append(_card_html(name, payload or {}))
    return "\n".join(html)


# --- lexical (Ghost 5) ---------------------------------------------------------------------


def _lexical_node(node: dict) -> str:
    kind = node.get("type")
    inner = "".join(_lexical_node(c) for c in node.get("children", []) or [])
    if kind == "text":
        text, fmt = escape(str(node.get("text", ""))), int(node.get("format", 0) or 0)
        if fmt & 16:
            text = f"<code>{text}</code>"
        if fmt & 1:
            text = f"<strong>{text}</strong>"
        if fmt & 2:
            text = f"<em>{text}</em>"
        return text
    if kind == "linebreak":
        return "<br>"
    if kind == "paywall":
        return PAYWALL_MARKER
    if kind == "link":
        return f'<a href="{escape(str(node.get("url", "")))}">{inner}</a>'
    if kind == "paragraph":
        return f"<p>{inner}</p>"
    if kind in ("heading", "extended-heading"):
        tag = str(node.get("tag", "h2"))
        tag = tag if tag in ("h1", "h2", "h3", "h4", "h5", "h6") else "h2"
        return f"<{tag}>{inner}</{tag}>"
    if kind in ("quote", "extended-quote", "aside"):
        return f"<blockquote>{inner}</blockquote>"
    if kind == "list":
        tag = "ol" if node.get("listType") == "number" else "ul"
        return f"<{tag}>{inner}</{tag}>"
    if kind == "listitem":
        return f"<li>{inner}</li>"
    if kind in ("image", "markdown", "html", "codeblock", "horizontalrule", "bookmark", "embed"):
        payload = dict(node)
        if kind == "image":
            payload["alt"] = node.get("altText", node.get("alt", ""))
        if kind == "codeblock":
            kind = "code"
        if kind == "horizontalrule":
            kind = "hr"
        return _card_html(kind, payload)
    return inner


def lexical_html(raw: str) -> str:
    doc = json.loads(raw)
    return "".join(_lexical_node(c) for c in doc.get("root", {}).get("children", []))


# --- posts ---------------------------------------------------------------------------------

# The HTML converter drops comments: Ghost's paywall marker goes through it as this word in
# a paragraph of its own, and comes out as Quire's marker line.
_PAYWALL_WORD = "QuirePaywallMarkerLine"
_PAYWALL_WORD_LINE = re.compile(rf"^[ \t]*{_PAYWALL_WORD}[ \t]*$", re.MULTILINE)


def _paywall_keep(html: str) -> str:
    """Ghost's first paywall marker as a paragraph the converter keeps (later ones mean
    nothing: the first one splits the post)."""
    return html.replace(PAYWALL_MARKER, f"<p>{_PAYWALL_WORD}</p>", 1).replace(PAYWALL_MARKER, "")


def _paywall_line(markdown: str) -> str:
    """The kept word back as the marker line; one the converter put inside other text (a
    marker Ghost had within a list or a quote) is left out, so nothing is split there."""
    markdown = _PAYWALL_WORD_LINE.sub(PAYWALL_MARKER, markdown, count=1)
    return markdown.replace(_PAYWALL_WORD, "")


def _tier_names(post: dict) -> list[str]:
    return [str(t["name"]) for t in post.get("tiers") or [] if t.get("name")]


def _when(value: object) -> datetime | None:
    if not value:
        return None
    if isinstance(value, int | float):  # Ghost 1.x wrote milliseconds
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):  # no date a calendar holds
            return None
    try:
        parsed = parse_datetime(str(value).replace(" ", "T"))
    except ValueError:  # well-formed but impossible (a 13th month)
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


# A comment's status in Ghost -> (Quire's, the reason): a comment hidden by the site's staff
# stays out of sight as spam (and can be approved from there); a deleted one becomes a
# placeholder, kept only where replies hang from it.
_COMMENT_STATUS = {
    "published": ("approved", ""),
    "hidden": ("spam", "hidden in Ghost"),
    "deleted": ("deleted", ""),
}


def _comments(data: dict) -> dict[object, list[dict]]:
    """Each post's comments (by Ghost's post id), as ImportItem.comments holds them."""
    members = {m.get("id"): m for m in data.get("members") or []}
    by_post: dict[object, list[dict]] = {}
    for row in data.get("comments") or []:
        status, reason = _COMMENT_STATUS.get(str(row.get("status")), ("pending", ""))
        member = members.get(row.get("member_id")) or {}
        html = str(row.get("html") or "")
        by_post.setdefault(row.get("post_id"), []).append(
            {
                "id": str(row.get("id") or ""),
                "parent": str(row.get("parent_id") or ""),
                "status": status,
                "reason": reason,
                "author_name": str(member.get("name") or ""),
                "author_email": str(member.get("email") or ""),
                "author_url": "",
                "ip": "",
                "created_at": _when(row.get("created_at")),
                "body": html_to_markdown(html, classic=False).markdown if html else "",
            }
        )
    return by_post


def ghost_read(raw: bytes) -> Parsed:
    try:
        data = _data(json.loads(raw))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportRefused(
            f"The JSON file is broken ({exc}). Nothing was imported; export it again from Ghost."
        ) from exc
    if not isinstance(data.get("posts"), list):
        raise ImportRefused("This Ghost export has no posts list (db[0].data.posts).")
    try:
        shape_check(data, GHOST_DATA, "db[0].data")
    except ShapeError as exc:
        raise ImportRefused(
            f"This file is not a Ghost export as Ghost writes it: {exc.message} Nothing was "
            "imported."
        ) from exc
    posts = data["posts"]
    parsed, now = Parsed(format=FORMAT), timezone.now()
    comments = _comments(data)
    parsed.comments = len(data.get("comments") or [])
    tags = {t.get("id"): t for t in data.get("tags") or [] if isinstance(t, dict)}
    users = {
        u.get("id"): u.get("email", "") for u in data.get("users") or [] if isinstance(u, dict)
    }
    post_tags: dict[object, list[str]] = {}
    for link in sorted(data.get("posts_tags") or [], key=lambda r: r.get("sort_order") or 0):
        tag = tags.get(link.get("tag_id"))
        # Internal tags (#name) are Ghost's own bookkeeping, never shown to readers.
        if tag and tag.get("visibility", "public") == "public" and tag.get("name"):
            post_tags.setdefault(link.get("post_id"), []).append(str(tag["name"]))
    authors: dict[object, str] = {}
    for link in sorted(data.get("posts_authors") or [], key=lambda r: r.get("sort_order") or 0):
        authors.setdefault(link.get("post_id"), users.get(link.get("author_id"), ""))
    for post in posts:
        if not isinstance(post, dict):
            continue
        title = text_from_html(str(post.get("title") or ""))
        kind = "page" if post.get("type") == "page" or post.get("page") is True else "post"
        notes: list[str] = []
        try:
            if post.get("html"):
                html = str(post["html"])
            elif post.get("lexical"):
                html = lexical_html(str(post["lexical"]))
            elif post.get("mobiledoc"):
                html = mobiledoc_html(str(post["mobiledoc"]))
            else:
                html = ""
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            parsed.skip(title, "its body (lexical or mobiledoc) could not be read")
            continue
        # A body's JSON (lexical, mobiledoc) may spell NUL as \u0000: PostgreSQL stores none.
        converted = html_to_markdown(_paywall_keep(html.replace("\x00", "")), classic=False)
        status = {"published": "published", "scheduled": "scheduled"}.get(
            str(post.get("status")), "draft"
        )
        if post.get("status") == "sent":
            notes.append("sent as an email only in Ghost: imported as a draft")
        when = _when(post.get("published_at"))
        if status == "scheduled" and (when is None or when <= now):
            status = "published"
        key = post.get("uuid") or post.get("id") or post.get("slug") or title
        cover = str(post.get("feature_image") or "")
        item = ImportItem(
            source_key=f"ghost:{key}"[:300],
            title=title,
            body=_paywall_line(converted.markdown),
            kind=kind,
            slug=str(post.get("slug") or ""),
            excerpt=str(post.get("custom_excerpt") or ""),
            tags=post_tags.get(post.get("id"), []),
            status=status,
            published_at=(when or now) if status != "draft" else None,
            author_email=authors.get(post.get("id")) or users.get(post.get("author_id"), ""),
            cover_image_url=cover if cover.startswith(("http://", "https://")) else "",
            meta_description=str(post.get("meta_description") or ""),
            canonical_url=str(post.get("canonical_url") or ""),
            images=converted.images + ([cover] if cover.startswith("http") else []),
            notes=notes + converted.notes,
            comments=comments.get(post.get("id"), []),
        )
        _access(item, visibility=str(post.get("visibility") or "public"), post=post)
        parsed.items.append(item)
    return parsed


def _access(item: ImportItem, *, visibility: str, post: dict) -> None:
    if visibility != "tiers":
        item_access_set(item, visibility=visibility, tier_names=[], tier_ids=[], source="Ghost")
        return
    names = _tier_names(post)
    item.visibility, item.access_tiers = "paid", []
    named = f" ({', '.join(n[:40] for n in names[:5])})" if names else ""
    item.notes.append(
        f"for chosen tiers{named} in Ghost: imported for all paying members, since Ghost's "
        "tiers are not this blog's; choose its tiers in the editor"
    )
