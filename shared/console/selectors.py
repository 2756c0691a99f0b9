"""Reads for the platform console: the audit log and the signup, fleet and pool figures.

The tenants' models are read by name (`apps.get_model`), as foreign keys name them: the
console imports no other app of ours, so tenants/ and billing can import it.
"""

from datetime import date, timedelta

from django.apps import apps
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from shared.console.models import AuditLog


def _model(name: str):
    return apps.get_model("tenants", name)


def audit_for_tenant(*, tenant_id: int, limit: int = 20) -> list[AuditLog]:
    return list(AuditLog.objects.filter(tenant_id=tenant_id).order_by("-created_at")[:limit])


def signups_per_day(*, days: int = 30, today: date | None = None) -> list[tuple[date, int]]:
    today = today or timezone.now().date()
    start = today - timedelta(days=days - 1)
    counts = dict(
        _model("Tenant")
        .objects.filter(created_at__date__gte=start)
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return [
        (start + timedelta(days=i), counts.get(start + timedelta(days=i), 0)) for i in range(days)
    ]


def failed_migrations_count() -> int:
    """Schemas whose last fleet migration failed (tenants.fleet records them)."""
    model = _model("SchemaMigration")
    return model.objects.filter(status=model.Status.FAILED).count()


def migrations_by_status() -> list[tuple[str, int]]:
    model = _model("SchemaMigration")
    counts = dict(
        model.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return [(label, counts.get(value, 0)) for value, label in model.Status.choices]


def last_migration_for(*, schema_name: str):
    return _model("SchemaMigration").objects.filter(schema_name=schema_name).first()


def spare_pool_size(*, migration_state: str) -> int:
    """Spare schemas ready for signups: those made with the code's current migrations
    (`tenants.fleet.migration_state()`, passed in by the caller)."""
    return _model("SpareSchema").objects.filter(migration_state=migration_state).count()
