"""A pass over rendered (already sanitised) post HTML: images that are this blog's own files
get their width and height (no layout shift), lazy loading, and `srcset`/`sizes` in a
`<picture>` with a WebP source. Called once by `blog.rendering.markdown_render`.

It runs after nh3, and adds only what it builds from the blog's own rows (keys that match a
ready file of the current schema, numbers, our own paths), every value escaped. An `<img>`
pointing at another blog's files matches no row here and is left as it is.
"""

import re
from html import escape, unescape
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name

from media import selectors

# nh3 serialises attributes double-quoted with `"` escaped, so a quoted value never holds `"`.
_IMG = re.compile(r'<img\b((?:[^>"]|"[^"]*")*)>')
_ATTR = re.compile(r'([a-zA-Z-]+)="([^"]*)"')
SIZES = "(max-width: 45rem) 100vw, 45rem"


def _key(src: str) -> str | None:
    path = urlsplit(unescape(src)).path
    if path.startswith(settings.MEDIA_URL):
        return path[len(settings.MEDIA_URL) :]
    return None


def images_enhance(html: str) -> str:
    """`html` with this blog's images given dimensions and responsive sources (one query,
    only when the HTML has an image under MEDIA_URL)."""
    if "<img" not in html or settings.MEDIA_URL not in html:
        return html
    if connection.schema_name == get_public_schema_name():  # no blog, no files
        return html
    found = {}
    for match in _IMG.finditer(html):
        attrs = dict(_ATTR.findall(match.group(1)))
        key = _key(attrs.get("src", ""))
        if key:
            found[match.group(0)] = (key, attrs)
    files = selectors.media_by_paths(paths=sorted({key for key, _ in found.values()}))
    if not files:
        return html

    def replace(match: re.Match) -> str:
        key, attrs = found.get(match.group(0), (None, None))
        media = files.get(key) if key else None
        if media is None:
            return match.group(0)
        return _picture(media, attrs)

    return _IMG.sub(replace, html)


def _srcset(entries: list[tuple[str, int]]) -> str:
    return ", ".join(f"{settings.MEDIA_URL}{path} {width}w" for path, width in entries)


def _picture(media, attrs: dict[str, str]) -> str:
    own_format = media.path.rsplit(".", 1)[-1]
    usable = sorted((v for v in media.variants if not v.get("still")), key=lambda v: v["width"])
    webp = [(v["path"], v["width"]) for v in usable if v["format"] == "webp"]
    own = [(v["path"], v["width"]) for v in usable if v["format"] == own_format]
    full = (media.path, media.width)
    img = [f'src="{escape(settings.MEDIA_URL + media.path)}"']
    for name in ("alt", "title"):
        if name in attrs:
            img.append(f'{name}="{attrs[name]}"')  # already escaped by nh3's serialiser
    img.append(f'width="{int(media.width)}" height="{int(media.height)}"')
    if own_format != "webp" and own:
        img.append(f'srcset="{escape(_srcset([*own, full]))}" sizes="{SIZES}"')
    img.append('loading="lazy" decoding="async"')
    tag = "<img " + " ".join(img) + ">"
    if not webp:
        return tag
    if own_format == "webp":
        webp = [*webp, full]
    source = f'<source type="image/webp" srcset="{escape(_srcset(webp))}" sizes="{SIZES}">'
    return f"<picture>{source}{tag}</picture>"
