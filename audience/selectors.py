"""Reads for a blog's subscribers and newsletters (in the blog's schema)."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from audience.models import Delivery, Newsletter, Subscriber

PER_PAGE = 50


def subscribers_page(*, number: int, query: str = "") -> Page:
    rows: QuerySet[Subscriber] = Subscriber.objects.order_by("-created_at", "-id")
    if query:
        rows = rows.filter(email__icontains=query.strip())
    return Paginator(rows, PER_PAGE).get_page(number)


def subscriber_counts() -> dict[str, int]:
    """How many addresses are in each state (one query)."""
    counts = dict(
        Subscriber.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in Subscriber.Status.values}


def subscribers_for_export() -> QuerySet[Subscriber]:
    return Subscriber.objects.order_by("id")


def subscribers_over_time() -> QuerySet:
    """Confirmed subscribers per day of confirmation (for an analytics chart)."""
    from django.db.models.functions import TruncDate

    return (
        Subscriber.objects.filter(confirmed_at__isnull=False)
        .annotate(day=TruncDate("confirmed_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )


@dataclass(frozen=True)
class SendProgress:
    newsletter: Newsletter
    recipients: int
    sent: int
    failed: int
    suppressed: int
    waiting: int

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.suppressed

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.recipients) if self.recipients else 100


def newsletters_with_progress(*, limit: int = 20) -> list[SendProgress]:
    """The newest sends with their delivery counts (two queries)."""
    newsletters = list(
        Newsletter.objects.select_related("post").order_by("-created_at", "-id")[:limit]
    )
    counts = (
        Delivery.objects.filter(newsletter_id__in=[n.id for n in newsletters])
        .values("newsletter_id")
        .annotate(
            sent=Count("id", filter=Q(status=Delivery.Status.SENT)),
            failed=Count("id", filter=Q(status=Delivery.Status.FAILED)),
            suppressed=Count("id", filter=Q(status=Delivery.Status.SUPPRESSED)),
            total=Count("id"),
        )
    )
    by_id = {row["newsletter_id"]: row for row in counts}
    progress = []
    for newsletter in newsletters:
        row = by_id.get(newsletter.id, {})
        total = row.get("total", 0)
        sent, failed, suppressed = (row.get(k, 0) for k in ("sent", "failed", "suppressed"))
        progress.append(
            SendProgress(
                newsletter=newsletter,
                recipients=newsletter.recipients or total,
                sent=sent,
                failed=failed,
                suppressed=suppressed,
                waiting=max(total - sent - failed - suppressed, 0),
            )
        )
    return progress


def newsletter_for_post(*, post_id: int) -> Newsletter | None:
    return Newsletter.objects.filter(post_id=post_id).first()
