"""Quire's own export (`quire.json` inside the export zip; see docs/export-format.md)."""

import json

from blog.imports.common import ImportItem, ImportRefused, Parsed
from blog.imports.ghost import _when
from blog.transfer import transfer_sections
from lib.shapes import Items, Object, ShapeError, shape_check

FORMAT = "Quire export"
EXPORT_FORMAT = "quire-export"
EXPORT_VERSION = 1
QUIRE_EXPORT = Object(
    {},
    optional={
        "settings": dict,
        "blog": dict,
        **dict.fromkeys(("members", "subscribers", "media", "posts"), Items(dict)),
    },
)


def quire_read(raw: bytes) -> Parsed:
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportRefused(f"quire.json in the zip is broken ({exc}).") from exc
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise ImportRefused("quire.json in the zip is not a Quire export.")
    if doc.get("version") != EXPORT_VERSION:
        raise ImportRefused(
            f"This Quire export is version {doc.get('version')}; this Quire reads version "
            f"{EXPORT_VERSION}."
        )
    try:
        shape_check(doc, QUIRE_EXPORT, "quire.json")
    except ShapeError as exc:
        raise ImportRefused(f"This Quire export is damaged: {exc.message}") from exc
    parsed = Parsed(format=FORMAT)
    settings = doc.get("settings")
    parsed.settings = settings if isinstance(settings, dict) else None
    if parsed.settings is not None and isinstance(doc.get("blog"), dict):
        parsed.settings["language"] = doc["blog"].get("language", "")
    parsed.members = [m for m in doc.get("members") or [] if isinstance(m, dict)]
    for section in transfer_sections():
        rows = doc.get(section.key)
        if isinstance(rows, list):
            parsed.sections[section.key] = [row for row in rows if isinstance(row, dict)]
    for entry in doc.get("media") or []:
        if not isinstance(entry, dict):
            continue
        url, file = entry.get("url"), entry.get("file")
        if isinstance(url, str) and isinstance(file, str) and file.startswith("media/") and url:
            parsed.media.append({"url": url, "name": str(entry.get("name", "")), "file": file})
    for post in doc.get("posts") or []:
        if not isinstance(post, dict) or not post.get("source"):
            continue
        status = post.get("status") if post.get("status") in ("published", "scheduled") else "draft"
        parsed.items.append(
            ImportItem(
                source_key=str(post["source"])[:300],
                title=str(post.get("title", "")),
                body=str(post.get("body", "")),
                kind="page" if post.get("kind") == "page" else "post",
                slug=str(post.get("slug", "")),
                excerpt=str(post.get("excerpt", "")),
                tags=[str(t) for t in post.get("tags") or [] if isinstance(t, str)],
                status=status,
                published_at=_when(post.get("published_at")) if status != "draft" else None,
                author_email=str(post.get("author_email", "")),
                cover_image_url=str(post.get("cover_image_url", "")),
                meta_description=str(post.get("meta_description", "")),
                canonical_url=str(post.get("canonical_url", "")),
                old_slugs=[str(s) for s in post.get("old_slugs") or [] if isinstance(s, str)],
            )
        )
    return parsed
