"""Daily reader figures of every blog, in the public schema, keyed by the blog's id.

Public rather than in each blog's schema: the staff console reads platform-wide views per day
and the most-read blogs from one table (not 10,000 schemas), the periodic flush writes every
blog's counts in one pass without switching schemas, and the tenant schema stays lean. There
is no database-level foreign key to `tenants.Tenant` (a blog's rows are removed when the blog
is purged, by `analytics.services.analytics_blog_delete`). Every read filters by `tenant_id`.
No row holds anything about a person: counts only.
"""

from django.db import models
from django.utils import timezone


class DailyViews(models.Model):
    """One blog's totals for one UTC day."""

    tenant_id = models.BigIntegerField()
    day = models.DateField()
    views = models.BigIntegerField(default=0)  # reader page views (home, posts, pages, tags)
    visitors = models.BigIntegerField(default=0)  # distinct daily visitor hashes (HyperLogLog)
    feed_fetches = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant_id", "day"], name="analytics_daily_blog_day")
        ]
        # The console's platform-wide figures: every blog's rows of a few days.
        indexes = [models.Index(fields=["day"], name="analytics_daily_day")]

    def __str__(self) -> str:
        return f"blog {self.tenant_id} {self.day}: {self.views} views"


class DailyBreakdown(models.Model):
    """One blog's page views for one UTC day by one value of one dimension."""

    class Dimension(models.TextChoices):
        POST = "p", "post"  # key: the post's id in the blog's schema
        REFERRER = "r", "referrer"  # key: the referring site's domain
        COUNTRY = "c", "country"  # key: ISO 3166 code (only with a GeoIP database)
        DEVICE = "d", "device"  # key: desktop, mobile, tablet, other

    tenant_id = models.BigIntegerField()
    dimension = models.CharField(max_length=1, choices=Dimension.choices)
    day = models.DateField()
    key = models.CharField(max_length=100)
    views = models.BigIntegerField(default=0)

    class Meta:
        # Also the dashboard's index: one blog, one dimension, a range of days.
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "dimension", "day", "key"], name="analytics_breakdown_key"
            )
        ]

    def __str__(self) -> str:
        return f"blog {self.tenant_id} {self.day} {self.dimension}={self.key}: {self.views}"


class FlushedBatch(models.Model):
    """A batch of Redis counts already added to the tables (written in the same transaction),
    so that a batch is never added twice, whoever runs the flush and however often."""

    name = models.CharField(max_length=120, primary_key=True)
    flushed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name
