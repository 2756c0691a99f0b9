"""WordPress's export (WXR 1.1/1.2), read with defusedxml: no DTD, so no entity expansion
(billion laughs) and no external entities, ever. Streamed: each <item> is dropped once read.
"""

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO
from urllib.parse import unquote
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.utils import timezone

from blog.imports.common import ImportItem, ImportRefused, Parsed
from blog.imports.html_to_md import html_to_markdown, text_from_html

FORMAT = "WordPress (WXR)"
_STATUS = {
    "publish": "published",
    "future": "scheduled",
    "draft": "draft",
    "pending": "draft",
    "private": "draft",
}
_KINDS = {"post": "post", "page": "page"}
# comment_approved -> (status, reason); "trash" and "post-trashed" become placeholders, kept
# only where replies hang from them. Anything else (a plugin's own state) waits for approval.
_COMMENT_STATUS = {
    "1": ("approved", ""),
    "0": ("pending", "pending in WordPress"),
    "spam": ("spam", "spam in WordPress"),
    "trash": ("deleted", ""),
    "post-trashed": ("deleted", ""),
}


def _name(tag: str) -> str:
    """'{https://wordpress.org/export/1.2/}post_name' -> 'wp:post_name' (both http and https
    namespaces occur in real exports)."""
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    if "/excerpt/" in uri:
        return f"excerpt:{local}"
    if "wordpress.org/export" in uri:
        return f"wp:{local}"
    if "purl.org/rss/1.0/modules/content" in uri:
        return f"content:{local}"
    if "purl.org/dc/elements" in uri:
        return f"dc:{local}"
    return local


def _date(fields: dict, prefix: str = "wp:post_date") -> datetime | None:
    gmt = (fields.get(f"{prefix}_gmt") or "").strip()
    if gmt and not gmt.startswith("0000"):
        try:
            return datetime.strptime(gmt, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            pass
    pub = (fields.get("pubDate") or "").strip()
    if pub:
        try:
            parsed = parsedate_to_datetime(pub)
            if parsed.year > 1900:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except (TypeError, ValueError):
            pass
    local = (fields.get(prefix) or "").strip()
    if local and not local.startswith("0000"):
        try:  # the site's local time; without its offset, read as UTC
            return datetime.strptime(local, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            pass
    return None


def _comment(el) -> dict | None:
    """One <wp:comment> as ImportItem.comments holds it; None for a pingback or trackback
    (a notice that another site linked here, not a reader's words: WordPress lists them
    apart, and they are a favourite of link spam)."""
    fields = {_name(c.tag): (c.text or "").strip() for c in el}
    if fields.get("wp:comment_type", "") not in ("", "comment"):
        return None
    status, reason = _COMMENT_STATUS.get(fields.get("wp:comment_approved", ""), ("pending", ""))
    parent = fields.get("wp:comment_parent", "")
    return {
        "id": fields.get("wp:comment_id", ""),
        "parent": "" if parent == "0" else parent,  # 0: a top-level comment
        "status": status,
        "reason": reason,
        "author_name": text_from_html(fields.get("wp:comment_author", "")),
        "author_email": fields.get("wp:comment_author_email", ""),
        "author_url": fields.get("wp:comment_author_url", ""),
        "ip": fields.get("wp:comment_author_IP", ""),
        "created_at": _date(fields, "wp:comment_date"),
        # Comments are stored as typed (plain text, some tags); wpautop makes paragraphs.
        "body": html_to_markdown(fields.get("wp:comment_content", "")).markdown,
    }


class _Reader:
    def __init__(self) -> None:
        self.parsed = Parsed(format=FORMAT)
        self.authors: dict[str, str] = {}  # login -> email
        self.attachments: dict[str, str] = {}  # post id -> URL
        self.thumbnails: list[tuple[ImportItem, str]] = []
        self.now = timezone.now()

    def author(self, el) -> None:
        fields = {_name(c.tag): (c.text or "").strip() for c in el}
        if fields.get("wp:author_login"):
            self.authors[fields["wp:author_login"]] = fields.get("wp:author_email", "")

    def item(self, el) -> None:
        fields: dict[str, str] = {}
        terms: list[tuple[str, str, str]] = []
        meta: dict[str, str] = {}
        comments: list[dict] = []
        links = 0  # pingbacks and trackbacks
        for child in el:
            name = _name(child.tag)
            if name == "category":
                terms.append((child.get("domain", ""), child.get("nicename", ""), child.text or ""))
            elif name == "wp:postmeta":
                m = {_name(c.tag): c.text or "" for c in child}
                meta[m.get("wp:meta_key", "")] = m.get("wp:meta_value", "")
            elif name == "wp:comment":
                self.parsed.comments += 1
                comment = _comment(child)
                if comment is None:
                    links += 1
                else:
                    comments.append(comment)
            else:
                fields[name] = child.text or ""
        title = text_from_html(fields.get("title", ""))
        post_type = fields.get("wp:post_type", "post").strip() or "post"
        post_id = fields.get("wp:post_id", "").strip()
        if post_type == "attachment":
            if post_id and fields.get("wp:attachment_url"):
                self.attachments[post_id] = fields["wp:attachment_url"].strip()
            self.parsed.skip(
                title,
                "a media library entry (attachment): not imported as an entry; the "
                "images posts show are fetched into this blog's media after the import",
            )
            return
        if post_type not in _KINDS:
            self.parsed.skip(
                title, f"WordPress '{post_type}' entries are site structure, not posts or pages"
            )
            return
        wp_status = fields.get("wp:status", "").strip()
        if wp_status in ("trash", "auto-draft", "inherit"):
            why = {
                "trash": "in WordPress's trash",
                "auto-draft": "an empty auto-draft",
                "inherit": "a revision",
            }[wp_status]
            self.parsed.skip(title, why)
            return
        converted = html_to_markdown(fields.get("content:encoded", ""))
        guid = fields.get("guid", "").strip() or fields.get("link", "").strip()
        key = f"wxr:{guid}" if guid else f"wxr:id:{post_id or title}"
        item = ImportItem(
            source_key=key[:300],
            title=title,
            body=converted.markdown,
            kind=_KINDS[post_type],
            slug=unquote(fields.get("wp:post_name", "").strip()),
            excerpt=text_from_html(fields.get("excerpt:encoded", "")),
            author_email=self.authors.get(fields.get("dc:creator", "").strip(), ""),
            images=list(converted.images),
            notes=list(converted.notes),
            comments=comments,
        )
        if links:
            item.notes.append(f"{links} pingback(s) or trackback(s) not imported")
        for domain, nicename, text in terms:
            # RSS-style <category> without a domain (older exports) is a tag too.
            if domain in ("category", "post_tag", "") and nicename != "uncategorized":
                name = text_from_html(text)
                if name and name.lower() != "uncategorized" and name not in item.tags:
                    item.tags.append(name)
        when = _date(fields)
        status = _STATUS.get(wp_status, "draft")
        if wp_status == "private":
            item.notes.append("private in WordPress: imported as a draft")
        if fields.get("wp:post_password", "").strip():
            status = "draft"
            item.notes.append("password-protected in WordPress: imported as a draft")
        if status == "scheduled" and (when is None or when <= self.now):
            status = "published"
            item.notes.append("was scheduled for a time now past: published")
        if status in ("published", "scheduled"):
            item.published_at = when or self.now
        item.status = status
        if meta.get("_thumbnail_id"):
            self.thumbnails.append((item, meta["_thumbnail_id"].strip()))
        self.parsed.items.append(item)

    def finish(self) -> Parsed:
        for item, attachment_id in self.thumbnails:
            url = self.attachments.get(attachment_id, "")
            if url.startswith(("http://", "https://")) and len(url) <= 500:
                item.cover_image_url = url
                if url not in item.images:
                    item.images.append(url)
        return self.parsed


def wxr_read(stream: IO[bytes]) -> Parsed:
    """Read a WXR file. Raises ImportRefused with a message for anything that is not one."""
    reader, depth, seen_rss = _Reader(), 0, False
    try:
        for event, el in iterparse(stream, events=("start", "end"), forbid_dtd=True):
            name = _name(el.tag)
            if event == "start":
                depth += 1
                if depth == 1:
                    seen_rss = name == "rss"
                    if not seen_rss:
                        raise ImportRefused(
                            "This XML file is not a WordPress export (it has no <rss> root). "
                            "In WordPress, use Tools → Export → All content."
                        )
                continue
            depth -= 1
            if name == "item" and depth == 2:
                reader.item(el)
                el.clear()
            elif name == "wp:author" and depth == 2:
                reader.author(el)
                el.clear()
    except DefusedXmlException as exc:
        raise ImportRefused(
            "This XML file declares a DTD or entities, which WordPress exports never do: it was "
            f"refused for safety ({type(exc).__name__}). Export it again from WordPress."
        ) from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ImportRefused(
            f"The XML file is broken or incomplete (line {line}, column {column}): it may have "
            "been cut off while downloading. Nothing was imported; export it again from "
            "WordPress and upload the whole file."
        ) from exc
    if not seen_rss:
        raise ImportRefused("The file is empty. Nothing was imported.")
    return reader.finish()
