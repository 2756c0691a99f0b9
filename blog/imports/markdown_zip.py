"""A zip of Markdown files with front matter, as Jekyll, Hugo, Eleventy or Bear write them.

Front matter: YAML between `---` lines or TOML between `+++` lines. Used keys: title, slug,
date, draft / published / status, tags, categories, description / summary / excerpt,
image / cover / feature_image, layout or type `page`, visibility (public, members, paid,
tiers) with `tiers` (this blog's tier names). Without a title, the first `# ` line (Bear) or
the file name is used. Jekyll's `YYYY-MM-DD-slug.md` names give date and slug.

A body may have the paywall marker line (`<!--members-only-->`): what follows it is for the
readers `visibility` names. A file whose visibility cannot be read, or that has the marker and
no visibility, is imported as a draft with a note, so that nothing meant for members goes out.
"""

import re
import tomllib
from datetime import UTC, date, datetime, time
from pathlib import PurePosixPath

import yaml
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from blog.imports.common import ImportItem, Parsed, item_access_set
from blog.rendering import PAYWALL_MARKER

FORMAT = "Markdown files (zip)"
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".txt")
_JEKYLL_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
_IMAGE = re.compile(r"!\[[^\]]*\]\((https?://[^)\s]+)")
_SCALARS = (str, int, float, bool, date, datetime)


def front_matter_split(text: str) -> tuple[dict, str, str]:
    """(fields, body, problem). Unreadable front matter gives ({}, text, why)."""
    text = text.lstrip("\ufeff")
    for fence, loader in (("---", "yaml"), ("+++", "toml")):
        if text.startswith(fence + "\n") or text.startswith(fence + "\r\n"):
            end = re.search(rf"^{re.escape(fence)}\s*$", text[len(fence) + 1 :], re.M)
            if not end:
                return {}, text, "front matter is not closed"
            raw = text[len(fence) + 1 : len(fence) + 1 + end.start()]
            body = text[len(fence) + 1 + end.end() :].lstrip("\r\n")
            try:
                fields = yaml.safe_load(raw) if loader == "yaml" else tomllib.loads(raw)
            except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
                return {}, body, f"front matter could not be read ({str(exc)[:120]})"
            return (fields if isinstance(fields, dict) else {}), body, ""
    return {}, text, ""


def _text(value: object) -> str:
    # Only plain scalars: a YAML alias bomb (nested lists) is never walked.
    return str(value).strip() if isinstance(value, _SCALARS) else ""


def _list(value: object) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [_text(v) for v in value[:50] if _text(v)]
    return []


def _when(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=UTC)
    if isinstance(value, str) and value.strip():
        raw = value.strip().replace(" ", "T", 1)
        parsed = parse_datetime(raw) or (
            parse_datetime(raw + "T00:00:00") if len(raw) == 10 else None
        )
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def markdown_item(*, path: str, text: str, now: datetime) -> ImportItem:
    fields, body, problem = front_matter_split(text)
    stem = PurePosixPath(path).stem
    jekyll = _JEKYLL_NAME.match(stem)
    title = _text(fields.get("title"))
    if not title:
        first = re.match(r"\s*#\s+(.+)\n?", body)
        if first:
            title, body = first.group(1).strip(), body[first.end() :].lstrip("\n")
        else:
            title = (jekyll.group(4) if jekyll else stem).replace("-", " ").strip().capitalize()
    slug = _text(fields.get("slug")) or (jekyll.group(4) if jekyll else stem)
    when = _when(fields.get("date"))
    if when is None and jekyll:
        when = _when("-".join(jekyll.groups()[:3]))
    draft = fields.get("draft") is True or fields.get("published") is False
    if _text(fields.get("status")).lower() in ("draft", "private"):
        draft = True
    status = "draft" if draft else ("scheduled" if when and when > now else "published")
    kind = "page" if "page" in (_text(fields.get("layout")), _text(fields.get("type"))) else "post"
    cover = next(
        (
            _text(fields.get(k))
            for k in ("image", "cover", "feature_image", "cover_image")
            if _text(fields.get(k)).startswith(("http://", "https://"))
        ),
        "",
    )
    images = list(dict.fromkeys(_IMAGE.findall(body))) + ([cover] if cover else [])
    item = ImportItem(
        source_key=f"md:{path}"[:300],
        title=title,
        body=body.strip(),
        kind=kind,
        slug=slug,
        excerpt=next(
            (
                _text(fields.get(k))
                for k in ("excerpt", "summary", "description")
                if _text(fields.get(k))
            ),
            "",
        ),
        tags=_list(fields.get("tags")) + _list(fields.get("categories")),
        status=status,
        published_at=(when or now) if status != "draft" else None,
        author_email=_text(fields.get("author_email")),
        cover_image_url=cover,
        images=images,
        notes=[problem] if problem else [],
    )
    _access(item, fields)
    return item


def _access(item: ImportItem, fields: dict) -> None:
    """The front matter's `visibility` and `tiers`, or a draft when the body is split by the
    paywall marker and nothing says who reads the rest."""
    raw = fields.get("visibility")
    if raw is None:
        if PAYWALL_MARKER in item.body and item.status != "draft":
            item.status, item.published_at = "draft", None
            item.notes.append(
                "has the paywall marker but no visibility in its front matter: imported as a "
                "draft; choose who may read the rest, then publish"
            )
        return
    tiers = fields.get("tiers")
    tiers = tiers if isinstance(tiers, list) else [tiers] if tiers is not None else []
    item_access_set(
        item,
        visibility=_text(raw).lower() or repr(raw)[:40],
        tier_names=[_text(t) for t in tiers[:50] if isinstance(t, str) and _text(t)],
        tier_ids=[t for t in tiers[:50] if isinstance(t, int) and not isinstance(t, bool)],
        source="its front matter",
    )


def markdown_files_read(files: list[tuple[str, bytes]]) -> Parsed:
    parsed, now = Parsed(format=FORMAT), timezone.now()
    for path, raw in files:
        name = PurePosixPath(path).name
        if name.startswith(".") or "__MACOSX" in path:
            continue
        if not name.lower().endswith(MARKDOWN_SUFFIXES):
            parsed.skip(path, "not a Markdown file (images and other files are not imported)")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            parsed.skip(path, "not UTF-8 text")
            continue
        parsed.items.append(markdown_item(path=path, text=text, now=now))
    return parsed
