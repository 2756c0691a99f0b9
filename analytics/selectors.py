"""Reads of the analytics tables. A blog's figures always filter by its `tenant_id`; only the
staff console's platform figures read every blog's rows."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta

from django.apps import apps
from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from analytics.models import DailyBreakdown, DailyViews

Dimension = DailyBreakdown.Dimension
PERIODS = (7, 30, 90)


def period_days(*, days: int, today: date) -> list[date]:
    start = today - timedelta(days=days - 1)
    return [start + timedelta(days=i) for i in range(days)]


@dataclass
class BlogFigures:
    days: list[date]
    views: list[int]
    visitors: list[int]
    feed_fetches: int
    top: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def total_views(self) -> int:
        return sum(self.views)

    @property
    def total_visitors(self) -> int:
        return sum(self.visitors)

    @property
    def rows(self) -> list[tuple[date, int, int]]:
        return list(zip(self.days, self.views, self.visitors, strict=True))


def blog_figures(*, tenant_id: int, days: int, today: date, top: int = 10) -> BlogFigures:
    """Views, visitors and feed fetches per day over the last `days` days (UTC), and the top
    posts (by id), referrers, devices and countries. Two queries."""
    span = period_days(days=days, today=today)
    rows = {
        row["day"]: row
        for row in DailyViews.objects.filter(
            tenant_id=tenant_id, day__gte=span[0], day__lte=span[-1]
        ).values("day", "views", "visitors", "feed_fetches")
    }
    grouped = (
        DailyBreakdown.objects.filter(tenant_id=tenant_id, day__gte=span[0], day__lte=span[-1])
        .values_list("dimension", "key")
        .annotate(n=Sum("views"))
    )
    by_dimension: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for dimension, key, n in grouped:
        by_dimension[dimension].append((key, n))
    return BlogFigures(
        days=span,
        views=[rows[d]["views"] if d in rows else 0 for d in span],
        visitors=[rows[d]["visitors"] if d in rows else 0 for d in span],
        feed_fetches=sum(r["feed_fetches"] for r in rows.values()),
        top={
            dimension: sorted(items, key=lambda kv: (-kv[1], kv[0]))[:top]
            for dimension, items in by_dimension.items()
        },
    )


def subscribers_per_day(*, days: list[date]) -> list[int] | None:
    """Confirmed, still subscribed readers at the end of each day, from the current blog's
    schema; None when no subscriber app is installed (the page then leaves the chart out).

    Reads `audience.Subscriber` (`confirmed_at`, `ended_at`) by name, in one query: +1 on the
    day a reader confirmed (or on the first day, for those confirmed earlier and still there
    then), -1 on the day they left; the series is the running sum.
    """
    if not apps.is_installed("audience"):
        return None
    table = connection.ops.quote_name(apps.get_model("audience", "Subscriber")._meta.db_table)
    start, end = days[0], days[-1]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT d, sum(delta)::int FROM (
                SELECT GREATEST((confirmed_at AT TIME ZONE 'UTC')::date, %(start)s) AS d, 1 AS delta
                FROM {table}
                WHERE confirmed_at IS NOT NULL
                  AND (confirmed_at AT TIME ZONE 'UTC')::date <= %(end)s
                  AND (ended_at IS NULL OR (ended_at AT TIME ZONE 'UTC')::date >= %(start)s)
                UNION ALL
                SELECT (ended_at AT TIME ZONE 'UTC')::date, -1
                FROM {table}
                WHERE confirmed_at IS NOT NULL
                  AND (ended_at AT TIME ZONE 'UTC')::date BETWEEN %(start)s AND %(end)s
            ) AS changes GROUP BY d
            """,  # noqa: S608 (the table name is the model's own, quoted)
            {"start": start, "end": end},
        )
        change = dict(cursor.fetchall())
    series, running = [], 0
    for day in days:
        running += change.get(day, 0)
        series.append(running)
    return series


def engagement_per_day(*, days: list[date]) -> tuple[list[int], list[int]] | None:
    """Comments published and likes given per day in the current blog's schema (comments'
    `Comment` and `Like`, read by name in one query each); None without the comments app."""
    if not apps.is_installed("comments"):
        return None
    comment_model = apps.get_model("comments", "Comment")
    like_model = apps.get_model("comments", "Like")
    start, end = days[0], days[-1]

    def per_day(queryset) -> dict[date, int]:
        rows = (
            queryset.filter(created_at__date__range=(start, end))
            .annotate(day=TruncDate("created_at", tzinfo=UTC))
            .values("day")
            .annotate(n=Count("id"))
        )
        return {row["day"]: row["n"] for row in rows}

    comments = per_day(comment_model.objects.filter(status="approved"))
    likes = per_day(like_model.objects.all())
    return [comments.get(d, 0) for d in days], [likes.get(d, 0) for d in days]


def platform_views_per_day(*, days: int, today: date) -> list[tuple[date, int, int]]:
    """Every blog's views and feed fetches per day (staff console)."""
    span = period_days(days=days, today=today)
    rows = {
        day: (views, feeds)
        for day, views, feeds in DailyViews.objects.filter(day__gte=span[0], day__lte=span[-1])
        .values_list("day")
        .annotate(v=Sum("views"), f=Sum("feed_fetches"))
        .values_list("day", "v", "f")
    }
    return [(d, *rows.get(d, (0, 0))) for d in span]


def most_read_blogs(*, days: int, today: date, limit: int = 10) -> list[tuple[int, int, int]]:
    """(blog id, views, visitors summed per day) of the most-read blogs (staff console)."""
    span = period_days(days=days, today=today)
    return list(
        DailyViews.objects.filter(day__gte=span[0], day__lte=span[-1])
        .values_list("tenant_id")
        .annotate(v=Sum("views"), u=Sum("visitors"))
        .order_by("-v", "tenant_id")
        .values_list("tenant_id", "v", "u")[:limit]
    )
