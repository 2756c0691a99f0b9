"""Reads for billing: the billing page and the platform console's money figures.

Blogs are read by name (`apps.get_model`), as foreign keys name them: billing imports
nothing from tenants/ (tenants imports billing).
"""

from django.apps import apps
from django.db.models import Count, Q, Sum

from shared.billing import plans as plan_data
from shared.billing.models import Plan, Subscription, TenantUsage

Status = Subscription.Status
# Statuses that bring in money each month (a trial does not, yet).
BILLED = (Status.ACTIVE, Status.PAST_DUE)
DELETED = "deleted"  # tenants.Tenant.Status.DELETED


def plans_list() -> list[Plan]:
    return list(Plan.objects.order_by("position"))


def usage_for_tenant(*, tenant_id: int) -> TenantUsage | None:
    return TenantUsage.objects.filter(tenant_id=tenant_id).first()


def blogs_by_plan() -> list[tuple[str, int]]:
    """Live blogs (not deleted) per plan; a blog without a subscription row counts as Free."""
    live = apps.get_model("tenants", "Tenant").objects.exclude(status=DELETED)
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
        .exclude(tenant__status=DELETED)
        .aggregate(
            total=Sum("plan__monthly_price_cents", filter=Q(plan__monthly_price_cents__gt=0))
        )
    )["total"]
    return total or 0


def mrr_by_plan() -> list[tuple[str, int]]:
    rows = (
        Subscription.objects.filter(status__in=BILLED, plan__monthly_price_cents__gt=0)
        .exclude(tenant__status=DELETED)
        .values_list("plan__name")
        .annotate(total=Sum("plan__monthly_price_cents"))
        .values_list("plan__name", "total")
    )
    return list(rows)
