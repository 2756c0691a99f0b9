"""Reads of the analytics tables. A blog's figures always filter by its `tenant_id`; only the
staff console's platform figures read every blog's rows."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.apps import apps
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

    Reads `audience.Subscriber` (`confirmed_at`, `ended_at`) by name: three queries.
    """
    if not apps.is_installed("audience"):
        return None
    subscriber = apps.get_model("audience", "Subscriber")
    start, end = days[0], days[-1]
    confirmed = subscriber.objects.filter(confirmed_at__isnull=False)
    running = (
        confirmed.filter(confirmed_at__date__lt=start).exclude(ended_at__date__lt=start).count()
    )

    def per_day(field_name: str) -> dict[date, int]:
        return dict(
            confirmed.filter(**{f"{field_name}__date__gte": start, f"{field_name}__date__lte": end})
            .annotate(d=TruncDate(field_name))
            .values_list("d")
            .annotate(n=Count("id"))
            .values_list("d", "n")
        )

    joined, left = per_day("confirmed_at"), per_day("ended_at")
    series = []
    for day in days:
        running += joined.get(day, 0) - left.get(day, 0)
        series.append(running)
    return series


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
