"""Images named by imported posts are fetched into the blog's own storage (after the import).

The import itself keeps remote image URLs as they are (it must stay fast and all or
nothing). Once it has committed, a task (`tasks.imports.import_images_fetch`, queue
`imports`, in the importing blog's schema) runs `import_images_fetch`: every http(s) image of
an imported post (Markdown image references, `<img src>` kept as HTML, the cover) is fetched
under `blog.imports.fetch`'s rules, stored with `media_store_bytes` (same bytes, one file)
and the post is saved again through `post_update_recorded`, so the change is sanitised,
recorded in the history, and reaches the cache and search like any save. The job's report
gets `images`: how many were fetched, and each failure with its reason.

Idempotent: a rewritten URL is no longer remote, so a second run fetches only what failed.
"""

import logging
import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db.models import Q

from blog.imports.fetch import FetchRefused, image_fetch
from blog.models import Post, TransferJob
from blog.services.import_writer import REPORT_LIST_MAX, SOURCE_KEY
from blog.services.posts import PostInvalid
from blog.services.revisions import post_update_recorded
from media.images import MediaInvalid, MediaTooLarge
from media.services import media_store_bytes
from shared.accounts.models import User
from shared.billing.exceptions import LimitReached
from tenants.models import Tenant

logger = logging.getLogger(__name__)

MAX_IMAGES_PER_RUN = 2000
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?(https?://[^\s)>]+)>?")
_HTML_IMAGE = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"'](https?://[^\"'\s>]+)[\"']", re.I)


def post_remote_images(*, body: str, cover_image_url: str) -> list[str]:
    """The http(s) image URLs a post shows, in order, each once."""
    found = _MD_IMAGE.findall(body) + _HTML_IMAGE.findall(body)
    if cover_image_url.startswith(("http://", "https://")):
        found.append(cover_image_url)
    return list(dict.fromkeys(found))


def _name(url: str) -> str:
    return PurePosixPath(unquote(urlsplit(url).path)).name or "image"


def import_images_fetch(*, tenant: Tenant, job_id: str) -> dict:
    """Fetch, store and rewrite the remote images of imported posts (current schema = the
    blog's). Returns the `images` part of the job's report."""
    job = TransferJob.objects.get(id=job_id, kind=TransferJob.Kind.IMPORT)
    by = User.objects.filter(id=job.by_id).first()
    posts = list(
        Post.objects.filter(metadata__has_key=SOURCE_KEY)
        .filter(Q(body__contains="http") | Q(cover_image_url__startswith="http"))
        .order_by("id")
    )
    wanted: dict[int, list[str]] = {}
    for post in posts:
        urls = post_remote_images(body=post.body, cover_image_url=post.cover_image_url)
        if urls:
            wanted[post.id] = urls
    stored: dict[str, str] = {}
    failed: dict[str, str] = {}
    for urls in wanted.values():
        for url in urls:
            if url in stored or url in failed:
                continue
            if len(stored) + len(failed) >= MAX_IMAGES_PER_RUN:
                failed[url] = f"more than {MAX_IMAGES_PER_RUN} images in one import"
                continue
            try:
                fetched = image_fetch(
                    url=url,
                    max_bytes=settings.MEDIA_MAX_UPLOAD_BYTES,
                    timeout=settings.QUIRE_IMPORT_FETCH_TIMEOUT,
                    exempt=frozenset(settings.QUIRE_IMPORT_FETCH_ALLOW_ADDRESSES),
                )
                media = media_store_bytes(
                    tenant=tenant, name=_name(fetched.url), data=fetched.data, created_by=by
                )
            except (FetchRefused, MediaInvalid, MediaTooLarge, LimitReached) as exc:
                failed[url] = exc.message
                continue
            stored[url] = media.url
    rewritten = 0
    for post in posts:
        urls = [u for u in wanted.get(post.id, []) if u in stored]
        if not urls:
            continue
        body, cover = post.body, post.cover_image_url
        for url in urls:
            body = body.replace(url, stored[url])
            if cover == url:
                cover = stored[url]
        try:
            post_update_recorded(
                tenant=tenant, post=post, by=by, title=post.title, body=body,
                tags=list(post.tags), action="save", cover_image_url=cover,
            )  # fmt: skip
        except PostInvalid as exc:  # e.g. the longer URLs took the body over its limit
            for url in urls:
                failed[url] = f"'{post.title[:80]}' was not updated: {exc.message}"
            continue
        rewritten += 1
    result = {
        "fetched": len(stored),
        "failed_count": len(failed),
        "failed": [{"url": u, "reason": r} for u, r in list(failed.items())[:REPORT_LIST_MAX]],
        "posts_rewritten": rewritten,
    }
    job.refresh_from_db(fields=["report"])
    TransferJob.objects.filter(id=job.id).update(report=(job.report or {}) | {"images": result})
    return result
