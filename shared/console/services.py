"""Writes of the platform console: the audit log."""

from typing import Any

from django.apps import apps

from shared.console.models import AuditLog


def audit_log_record(
    *,
    action: str,
    actor: Any = None,
    actor_label: str = "",
    tenant: Any = None,
    tenant_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditLog:
    """Record who did what to which blog, with the state before and after. Never edited.

    `actor` is a User (or None for the system; `actor_label` then says who: "stripe",
    "system"). Pass the blog as `tenant` (a Tenant) or `tenant_id`. A staff member's `reason`
    is stored in `after["reason"]`, under the same append-only guard as the rest.
    """
    label = actor_label or (actor.email if actor is not None else "system")
    if tenant is not None:
        tenant_id = tenant.id
        row = (tenant.subdomain, tenant.schema_name)
    elif tenant_id is not None:
        tenant_model = apps.get_model("tenants", "Tenant")  # by name: console imports no app
        row = tenant_model.objects.filter(pk=tenant_id).values_list("subdomain", "schema_name")
        row = row.first()
    else:
        row = None
    after = dict(after or {})
    if reason:
        after["reason"] = reason
    return AuditLog.objects.create(
        actor=actor,
        actor_label=label,
        action=action,
        tenant_id=tenant_id,
        tenant_label=f"{row[0]} ({row[1]})" if row else "",
        before=before or {},
        after=after,
    )
