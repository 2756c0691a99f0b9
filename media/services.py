"""Writes for a blog's files. Every function works in the current schema (the blog's) and
takes the blog as `tenant` where it needs its prefix or its plan.

Upload path: `media_store_bytes` checks the bytes (type by content, pixel cap, size), the
plan's storage quota, keeps the upload privately and records a pending row; after commit a
worker runs `media_process` (Pillow: EXIF stripped, orientation applied, widths), which
writes the served copies and marks the row ready.
"""

import hashlib
import logging
import re
import secrets
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction

from media import dispatch, images
from media import selectors as media_selectors
from media.images import MediaInvalid, MediaTooLarge
from media.models import MediaFile, human_size
from media.signals import media_processed
from media.storage import blog_prefix, media_storage, private_key
from shared.billing import services as billing_services

if TYPE_CHECKING:
    from shared.accounts.models import User
    from tenants.models import Tenant

logger = logging.getLogger(__name__)

__all__ = ["MediaInvalid", "MediaTooLarge", "media_store_bytes", "media_process", "media_delete"]


def _stem(name: str) -> str:
    stem = PurePosixPath(name.replace("\\", "/")).stem.lower()
    stem = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:60].strip("-")
    return stem or "image"


def _display_name(name: str) -> str:
    name = PurePosixPath((name or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:255] or "image"


def size_check(*, size: int | None) -> None:
    """Refuse files over MEDIA_MAX_UPLOAD_BYTES; `size` None: over it, exact size unknown
    (the upload was cut off while it arrived)."""
    limit = settings.MEDIA_MAX_UPLOAD_BYTES
    if size is None:
        raise MediaTooLarge(
            f"This file is larger than the limit of {human_size(limit)}. Make it smaller and "
            "upload it again."
        )
    if size > limit:
        raise MediaTooLarge(
            f"This file is {human_size(size)}; the limit is {human_size(limit)}. Make it "
            "smaller and upload it again."
        )


def quota_check(*, tenant: "Tenant", adding: int) -> None:
    """Raise LimitReached when `adding` more bytes would take the blog past its plan's
    storage. The processed copies are counted once made; the upload is what is checked."""
    billing_services.limits_check_storage(
        tenant_id=tenant.id, used_bytes=media_selectors.media_usage_bytes(), adding_bytes=adding
    )


def media_store_bytes(
    *, tenant: "Tenant", name: str, data: bytes, created_by: "User | None" = None
) -> MediaFile:
    """Store an image from its bytes for the blog `tenant` (in its schema, which must be the
    current one) and queue its processing after commit. Returns the new row, or the existing
    row of the same uploader for the same bytes (so an import run twice stores each image
    once).

    Raises MediaInvalid (not an accepted image, SVG, damaged), MediaTooLarge (bytes or
    pixels over the limits) or LimitReached (the plan's storage quota)."""
    if connection.schema_name != tenant.schema_name:
        raise ValueError("media_store_bytes must run in the blog's own schema")
    size_check(size=len(data))
    seen = images.image_inspect(data=data, max_pixels=settings.MEDIA_MAX_PIXELS)
    digest = hashlib.sha256(data).hexdigest()
    existing = MediaFile.objects.filter(sha256=digest, created_by=created_by).exclude(
        status=MediaFile.Status.FAILED
    )
    if (found := existing.first()) is not None:
        return found
    quota_check(tenant=tenant, adding=len(data))
    token = secrets.token_hex(8)
    key = f"{blog_prefix(schema_name=tenant.schema_name)}{token}/{_stem(name)}.{seen.extension}"
    saved = media_storage().save(private_key(key), ContentFile(data))
    if saved != private_key(key):  # never happens with a fresh token; refuse to guess
        raise RuntimeError(f"storage renamed {key!r} to {saved!r}")
    media = MediaFile.objects.create(
        name=_display_name(name),
        path=key,
        content_type=seen.content_type,
        size=len(data),
        width=seen.width,
        height=seen.height,
        sha256=digest,
        created_by=created_by,
    )
    dispatch.media_process(media.id, schema_name=tenant.schema_name)
    return media


def media_process(*, media_id: int) -> MediaFile | None:
    """Make the served copies of one upload (idempotent: a re-run rewrites the same keys).
    A file deleted meanwhile is skipped. Posts that already show the image are re-rendered,
    so they get its width, height and srcset."""
    media = MediaFile.objects.filter(id=media_id).first()
    if media is None:
        return None
    storage = media_storage()
    try:
        with storage.open(private_key(media.path), "rb") as handle:
            data = handle.read()
    except FileNotFoundError:  # deleted between the row read and now
        return None
    try:
        done = images.image_process(
            data=data, max_pixels=settings.MEDIA_MAX_PIXELS, widths=settings.MEDIA_WIDTHS
        )
    except MediaInvalid:
        logger.warning("media %s could not be processed", media.path, exc_info=True)
        MediaFile.objects.filter(id=media.id).update(status=MediaFile.Status.FAILED)
        return media
    base = media.path.rsplit(".", 1)[0]
    variants, total = [], len(data)
    for copy in done.copies:
        key = f"{base}{copy.suffix}.{copy.extension}"
        if storage.exists(key):
            storage.delete(key)
        storage.save(key, ContentFile(copy.data))
        total += len(copy.data)
        if copy.suffix:
            variants.append(
                {"width": copy.width, "height": copy.height, "format": copy.extension,
                 "path": key, "size": len(copy.data), "still": copy.still}
            )  # fmt: skip
    updated = MediaFile.objects.filter(id=media.id).update(
        status=MediaFile.Status.READY,
        width=done.width,
        height=done.height,
        variants=variants,
        size=total,
    )
    if not updated:  # deleted while we worked: leave nothing behind
        for variant in variants:
            storage.delete(variant["path"])
        storage.delete(media.path)
        return None
    media_processed.send(sender=MediaFile, url=media.url)
    media.refresh_from_db()
    return media


def media_delete(*, media: MediaFile) -> None:
    """Delete the file, its copies and its row. Posts that show it are not changed: the
    library warns first (see selectors.media_used_by)."""
    keys = [media.path, private_key(media.path)] + [v["path"] for v in media.variants]
    with transaction.atomic():
        MediaFile.objects.filter(id=media.id).delete()
    storage = media_storage()
    for key in keys:
        storage.delete(key)
