"""Quire's own export (`quire.json` inside the export zip; see docs/export-format.md).

Who may read each post comes from the `post_access` section (a post's own `visibility`,
when it has one, wins); chosen tiers are matched to this blog's by name.
"""

import json

from blog.imports.common import ImportItem, ImportRefused, Parsed, item_access_set
from blog.imports.ghost import _when
from blog.transfer import ACCESS_SECTION, transfer_sections
from lib.shapes import Items, Object, ShapeError, shape_check

FORMAT = "Quire export"
EXPORT_FORMAT = "quire-export"
EXPORT_VERSION = 1
QUIRE_EXPORT = Object(
    {},
    optional={
        "settings": dict,
        "blog": dict,
        **dict.fromkeys(("members", "subscribers", "media", "posts", ACCESS_SECTION), Items(dict)),
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
        rows = doc.get(section.key) if section.key != ACCESS_SECTION else None  # read below
        if isinstance(rows, list):
            parsed.sections[section.key] = [row for row in rows if isinstance(row, dict)]
    for entry in doc.get("media") or []:
        if not isinstance(entry, dict):
            continue
        url, file = entry.get("url"), entry.get("file")
        if isinstance(url, str) and isinstance(file, str) and file.startswith("media/") and url:
            parsed.media.append({"url": url, "name": str(entry.get("name", "")), "file": file})
    access = {
        str(row["source"])[:300]: row
        for row in doc.get(ACCESS_SECTION) or []
        if isinstance(row, dict) and row.get("source")
    }
    for post in doc.get("posts") or []:
        if not isinstance(post, dict) or not post.get("source"):
            continue
        status = post.get("status") if post.get("status") in ("published", "scheduled") else "draft"
        item = ImportItem(
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
        _access(item, post if "visibility" in post else access.get(item.source_key, {}))
        parsed.items.append(item)
    return parsed


def _access(item: ImportItem, row: dict) -> None:
    """`row`'s visibility (none: public) and tiers, as {"id", "name"} objects or bare ids."""
    tiers = row.get("access_tiers") if isinstance(row.get("access_tiers"), list) else []
    names = [str(t["name"]) for t in tiers if isinstance(t, dict) and t.get("name")]
    ids = [t.get("id") if isinstance(t, dict) else t for t in tiers]
    item_access_set(
        item,
        visibility=str(row.get("visibility") or "public"),
        tier_names=names,
        tier_ids=[i for i in ids if isinstance(i, int) and not isinstance(i, bool)],
        source="the export",
    )
