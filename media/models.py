from django.conf import settings
from django.db import models


def human_size(size: int) -> str:
    """1.5 MB, 20 MB, 820 KB, 126 bytes: decimal units, as the plans state storage."""
    if size >= 1_000_000:
        return f"{size / 1e6:,.1f}".removesuffix(".0") + " MB"
    if size >= 1_000:
        return f"{size / 1e3:,.0f} KB"
    return f"{size} bytes"


class MediaFile(models.Model):
    """One uploaded image, in the blog's own schema. One table, one index (the unique path):
    every table and index is multiplied by the number of blogs.

    `path` is the storage key of the served copy (EXIF stripped, orientation applied);
    the upload as received is kept at `private/<path>` and never served. `variants` lists the
    responsive copies made by the worker: [{"width", "height", "format", "path", "size"}].
    `size` counts every byte stored for this file (upload, served copy, variants): what the
    plan's storage quota counts.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=255)
    path = models.CharField(max_length=500)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField(default=0)
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    variants = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    sha256 = models.CharField(max_length=64)
    # The uploader lives in the public schema: no database-level foreign key (DESIGN.md).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # A constraint rather than unique=True: no second (varchar_pattern_ops) index.
        constraints = [models.UniqueConstraint(fields=["path"], name="media_path_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def size_text(self) -> str:
        return human_size(self.size)

    @property
    def url(self) -> str:
        """Where readers get it: a path on the blog's own host (see media/views.py)."""
        return settings.MEDIA_URL + self.path

    @property
    def thumbnail_url(self) -> str:
        """The smallest variant (the library's grid), or the served copy."""
        if self.variants:
            smallest = min(self.variants, key=lambda v: (v["width"], v["format"] != "webp"))
            return settings.MEDIA_URL + smallest["path"]
        return self.url
