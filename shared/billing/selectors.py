"""Reads for billing: the billing page and the platform console's figures."""

from datetime import date, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from shared.billing import plans as plan_data
from shared.billing.models import AuditLog, Plan, Subscription, TenantUsage
from tenants.models import SchemaMigration, Tenant

Status = Subscription.Status
# Statuses that bring in money each month (a trial does not, yet).
BILLED = (Status.ACTIVE, Status.PAST_DUE)


def plans_list() -> list[Plan]:
    return list(Plan.objects.order_by("position"))


def usage_for_tenant(*, tenant_id: int) -> TenantUsage | None:
    return TenantUsage.objects.filter(tenant_id=tenant_id).first()


def audit_for_tenant(*, tenant_id: int, limit: int = 20) -> list[AuditLog]:
    return list(AuditLog.objects.filter(tenant_id=tenant_id).order_by("-created_at")[:limit])


def signups_per_day(*, days: int = 30, today: date | None = None) -> list[tuple[date, int]]:
    today = today or timezone.now().date()
    start = today - timedelta(days=days - 1)
    counts = dict(
        Tenant.objects.filter(created_at__date__gte=start)
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return [
        (start + timedelta(days=i), counts.get(start + timedelta(days=i), 0)) for i in range(days)
    ]


def blogs_by_plan() -> list[tuple[str, int]]:
    """Live blogs (not deleted) per plan; a blog without a subscription row counts as Free."""
    live = Tenant.objects.exclude(status=Tenant.Status.DELETED)
    names = {p.code: p.name for p in Plan.objects.all()} or {
        code: d["name"] for code, d in plan_data.PLAN_DEFAULTS.items()
    }
    counts = dict(
        live.filter(subscription__isnull=False)
        .values_list("subscription__plan__code")
        .annotate(n=Count("id"))
        .values_list("subscription__plan__code", "n")
    )
    counts[plan_data.FREE] = (
        counts.get(plan_data.FREE, 0) + live.filter(subscription__isnull=True).count()
    )
    order = list(plan_data.PLAN_DEFAULTS)
    return [(names.get(code, code), counts.get(code, 0)) for code in order]


def mrr_cents() -> int:
    """Monthly recurring revenue: the price of every billed subscription of a live blog."""
    total = (
        Subscription.objects.filter(status__in=BILLED)
        .exclude(tenant__status=Tenant.Status.DELETED)
        .aggregate(
            total=Sum("plan__monthly_price_cents", filter=Q(plan__monthly_price_cents__gt=0))
        )
    )["total"]
    return total or 0


def mrr_by_plan() -> list[tuple[str, int]]:
    rows = (
        Subscription.objects.filter(status__in=BILLED, plan__monthly_price_cents__gt=0)
        .exclude(tenant__status=Tenant.Status.DELETED)
        .values_list("plan__name")
        .annotate(total=Sum("plan__monthly_price_cents"))
        .values_list("plan__name", "total")
    )
    return list(rows)


def failed_migrations_count() -> int:
    """Schemas whose last fleet migration failed (tenants.fleet records them)."""
    return SchemaMigration.objects.filter(status=SchemaMigration.Status.FAILED).count()


def migrations_by_status() -> list[tuple[str, int]]:
    counts = dict(
        SchemaMigration.objects.values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [(label, counts.get(value, 0)) for value, label in SchemaMigration.Status.choices]


def last_migration_for(*, schema_name: str) -> SchemaMigration | None:
    return SchemaMigration.objects.filter(schema_name=schema_name).first()


def pool_size() -> int:
    """Spare schemas ready for signups (tenants.pool)."""
    from tenants import pool

    return pool.pool_size()
