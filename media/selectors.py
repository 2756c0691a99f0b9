"""Reads of a blog's files, in the current schema (the blog's)."""

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db.models import Q, QuerySet, Sum

from media.models import MediaFile, human_size
from media.storage import private_key
from shared.billing import services as billing_services
from shared.billing.services import UPGRADE_PATH


def media_list(*, query: str = "", created_by_id: int | None = None) -> QuerySet[MediaFile]:
    """The library: newest first, optionally by name and by uploader (authors see theirs)."""
    files = MediaFile.objects.all()
    if query:
        files = files.filter(name__icontains=query.strip()[:100])
    if created_by_id is not None:
        files = files.filter(created_by_id=created_by_id)
    return files


def media_get(*, media_id: int, created_by_id: int | None = None) -> MediaFile | None:
    files = MediaFile.objects.filter(id=media_id)
    if created_by_id is not None:
        files = files.filter(created_by_id=created_by_id)
    return files.first()


def media_usage_bytes() -> int:
    """Every byte this blog stores (uploads, served copies, variants)."""
    return int(MediaFile.objects.aggregate(total=Sum("size"))["total"] or 0)


@dataclass(frozen=True)
class StorageUsage:
    used_bytes: int
    limit_bytes: int | None
    plan_name: str
    upgrade_url: str = UPGRADE_PATH

    @property
    def used(self) -> str:
        return human_size(self.used_bytes) if self.used_bytes else "nothing"

    @property
    def limit(self) -> str:
        return human_size(self.limit_bytes) if self.limit_bytes else "unlimited"

    @property
    def percent(self) -> int | None:
        if not self.limit_bytes:
            return None
        return min(100, round(100 * self.used_bytes / self.limit_bytes))


def media_storage_usage(*, tenant_id: int) -> StorageUsage:
    plan = billing_services.subscription_get_or_create(tenant_id=tenant_id).plan
    limit = plan.storage_mb * 1_000_000 if plan.storage_mb is not None else None
    return StorageUsage(used_bytes=media_usage_bytes(), limit_bytes=limit, plan_name=plan.name)


def media_used_by(*, media: MediaFile) -> list[dict]:
    """Posts and pages whose body or cover shows this file: [{"id", "title", "slug"}]."""
    post_model = apps.get_model("blog", "Post")
    url = media.url
    posts = post_model.objects.filter(Q(body__contains=url) | Q(cover_image_url__contains=url))
    return list(posts.order_by("id").values("id", "title", "slug"))


def media_files_for_export() -> list[dict]:
    """Every file of the blog with where its bytes are in storage (for export):
    [{"id", "name", "content_type", "size", "width", "height", "sha256", "created_at",
    "url", "path" (the served copy's key), "original_path" (the upload as received, with
    its EXIF: export it only to the blog's owner), "variants"}]. Read the bytes with
    `media.storage.media_storage().open(path)`."""
    rows = MediaFile.objects.order_by("id").values(
        "id", "name", "path", "content_type", "size", "width", "height", "sha256",
        "created_at", "status", "variants",
    )  # fmt: skip
    return [
        row | {"url": settings.MEDIA_URL + row["path"], "original_path": private_key(row["path"])}
        for row in rows
    ]


def media_by_paths(*, paths: list[str]) -> dict[str, MediaFile]:
    """Ready files by served key, for the render pass (one query)."""
    if not paths:
        return {}
    rows = MediaFile.objects.filter(path__in=paths, status=MediaFile.Status.READY).only(
        "path", "width", "height", "variants"
    )
    return {row.path: row for row in rows}
