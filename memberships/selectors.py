"""Reads of memberships for pages: tiers for sale, the owner's figures and member list."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from memberships.models import MemberEvent, ReaderMembership, Tier
from shared.billing.models import ConnectedAccount

Status = ReaderMembership.Status
PAYING = (Status.ACTIVE, Status.TRIALING, Status.PAST_DUE)


def tiers_for_sale() -> list[Tier]:
    return list(Tier.objects.filter(active=True))


def selling(*, tenant_id: int) -> bool:
    account = ConnectedAccount.objects.filter(tenant_id=tenant_id).first()
    return account is not None and account.selling


@dataclass(frozen=True)
class Figures:
    mrr: int  # minor units a month: yearly prices count a twelfth
    paying: int
    trials: int
    comped: int
    past_due: int
    churn_percent: float  # ended in the last 30 days, of those paying 30 days ago


def figures() -> Figures:
    rows = ReaderMembership.objects.filter(status__in=PAYING).values_list(
        "status", "interval", "amount", "cancel_at_period_end"
    )
    mrr = paying = trials = past_due = 0
    for status, interval, amount, _cancel in rows:
        if status == Status.TRIALING:
            trials += 1
            continue
        paying += 1
        past_due += status == Status.PAST_DUE
        mrr += amount // 12 if interval == "year" else amount
    since = timezone.now() - timedelta(days=30)
    ended = MemberEvent.objects.filter(kind=MemberEvent.Kind.ENDED, at__gte=since).count()
    base = paying + ended
    return Figures(
        mrr=mrr,
        paying=paying,
        trials=trials,
        comped=ReaderMembership.objects.filter(status=Status.COMPED).count(),
        past_due=past_due,
        churn_percent=round(100 * ended / base, 1) if base else 0.0,
    )


def weekly_changes(*, weeks: int = 12) -> list[tuple[date, int, int]]:
    """(week's Monday, members who started paying or a trial, members who ended), oldest
    first, every week present."""
    today = timezone.localdate()
    first = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    counts = {
        row["week"].date() if hasattr(row["week"], "date") else row["week"]: row
        for row in MemberEvent.objects.filter(at__date__gte=first)
        .annotate(week=TruncWeek("at"))
        .values("week")
        .annotate(
            new=Count("id", filter=Q(kind__in=("started", "trial"))),
            gone=Count("id", filter=Q(kind="ended")),
        )
    }
    out = []
    for n in range(weeks):
        week = first + timedelta(weeks=n)
        row = counts.get(week, {})
        out.append((week, row.get("new", 0), row.get("gone", 0)))
    return out


def member_list(*, tier: str = "", status: str = "", source: str = "") -> QuerySet:
    qs = ReaderMembership.objects.select_related("subscriber", "tier").order_by("-updated_at")
    if tier.isdecimal():
        qs = qs.filter(tier_id=int(tier))
    if status in Status.values:
        qs = qs.filter(status=status)
    if source in ReaderMembership.Source.values:
        qs = qs.filter(source=source)
    return qs
