"""Staff actions on a blog's life: status changes, soft delete, undelete, purge, search rebuild.

Every function that takes an `actor` writes an AuditLog row (who, what, before, after).
"""

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from lib.errors import ApplicationError, Conflict
from shared.accounts import selectors as account_selectors
from shared.accounts.models import User
from shared.console.services import audit_log_record
from tenants import dispatch, fleet, schemas, services
from tenants.context import schema_context
from tenants.models import Domain, Tenant
from tenants.routing import routing_invalidate, tenant_routing_invalidate
from tenants.signals import tenant_purged, tenant_purging

logger = logging.getLogger(__name__)

Status = Tenant.Status


class CannotUndelete(Conflict):
    pass


class ReasonRequired(ApplicationError):
    pass


class WrongStatus(Conflict):
    """The blog is not in a state this action applies to (already deleted, not deleted...)."""


def _reason_check(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(f"Give a reason to {what}: it is logged and sent to the owner.")
    if len(reason) > 1000:
        raise ReasonRequired("Keep the reason under 1,000 characters.")
    return reason


def _owner_notify(*, tenant: Tenant, subject: str, body: str) -> None:
    """Email the blog's owner after commit. A failed email never undoes the action: it is
    logged (logger.exception)."""
    from django.core.mail import get_connection, send_mail

    owner_email = account_selectors.tenant_owner_email(tenant_id=tenant.id)
    if owner_email is None:
        return

    def send() -> None:
        try:
            send_mail(subject, body, None, [owner_email], connection=get_connection(timeout=10))
        except Exception:  # SMTP errors are many; the action itself is committed
            logger.exception("could not email %s about %s", owner_email, subject)

    transaction.on_commit(send)


def _state(tenant: Tenant) -> dict:
    return {
        "status": tenant.status,
        "deleted_at": tenant.deleted_at.isoformat() if tenant.deleted_at else None,
    }


def tenant_status_change(*, tenant: Tenant, status: str, actor: User, reason: str = "") -> Tenant:
    """Suspend (a reason is required; the owner is emailed it) or reactivate a blog, audited.
    Deleting has its own service (it exports)."""
    if status not in (Status.ACTIVE, Status.SUSPENDED):
        raise ValueError("use tenant_soft_delete / tenant_undelete for deletion")  # a bug
    if tenant.status == Status.DELETED:
        raise WrongStatus(f"{tenant.subdomain} is deleted: undelete it first.")
    if status == Status.SUSPENDED:
        reason = _reason_check(reason, "suspend a blog")
        _owner_notify(
            tenant=tenant,
            subject=f"{tenant.name} is suspended",
            body=(
                f"Your blog {tenant.name} ({tenant.subdomain}) was suspended by the Quire team: "
                f"readers cannot see it for now.\n\nReason: {reason}\n\n"
                "Reply to this email if you think this is a mistake.\n"
            ),
        )
    before = _state(tenant)
    with transaction.atomic():
        services.tenant_set_status(tenant=tenant, status=status)
        audit_log_record(
            actor=actor,
            action=f"tenant.{'reactivate' if status == Status.ACTIVE else 'suspend'}",
            tenant=tenant,
            before=before,
            after=_state(tenant),
            reason=reason.strip(),
        )
    return tenant


def tenant_posts_export(*, tenant: Tenant) -> Path:
    """Write every post of the blog as JSON under TENANT_EXPORT_DIR; return the file's path.

    The post model is looked up by name: tenants/ does not import the blog app.
    """
    post_model = apps.get_model("blog", "Post")
    fields = [f.attname for f in post_model._meta.concrete_fields if f.name != "search_vector"]
    with schema_context(tenant.schema_name):
        posts = list(post_model.objects.order_by("id").values(*fields))
    directory = Path(settings.TENANT_EXPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    path = directory / f"{tenant.schema_name}-{tenant.subdomain}-{stamp}.json"
    document = {
        "tenant": {"id": tenant.id, "subdomain": tenant.subdomain, "name": tenant.name},
        "exported_at": timezone.now(),
        "posts": posts,
    }
    path.write_text(json.dumps(document, cls=DjangoJSONEncoder, indent=1))
    return path


def tenant_soft_delete(*, tenant: Tenant, actor: User, reason: str) -> Path:
    """Take a blog offline at once (its hosts answer 404), keeping an export of its posts.

    A reason is required: it goes into the audit log and the owner's email. The schema stays
    until `tenants_purge` drops it after TENANT_DELETE_GRACE_DAYS; until then
    `tenant_undelete` brings the blog back as it was.
    """
    if tenant.status == Status.DELETED:
        raise WrongStatus(f"{tenant.subdomain} is already deleted.")
    reason = _reason_check(reason, "delete a blog")
    export = tenant_posts_export(tenant=tenant)
    before = _state(tenant)
    with transaction.atomic():
        tenant.status, tenant.deleted_at = Status.DELETED, timezone.now()
        Tenant.objects.filter(pk=tenant.pk).update(
            status=tenant.status, deleted_at=tenant.deleted_at
        )
        audit_log_record(
            actor=actor,
            action="tenant.delete",
            tenant=tenant,
            before=before,
            after=_state(tenant) | {"export": str(export)},
            reason=reason,
        )
        _owner_notify(
            tenant=tenant,
            subject=f"{tenant.name} is deleted",
            body=(
                f"Your blog {tenant.name} ({tenant.subdomain}) was deleted by the Quire team and "
                "is offline. It can be restored within "
                f"{settings.TENANT_DELETE_GRACE_DAYS} days.\n\nReason: {reason}\n\n"
                "Reply to this email if you think this is a mistake.\n"
            ),
        )
    tenant_routing_invalidate(tenant)
    transaction.on_commit(lambda: tenant_routing_invalidate(tenant))
    return export


def _purge_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.TENANT_DELETE_GRACE_DAYS)


def tenant_undelete(*, tenant: Tenant, actor: User, reason: str = "") -> Tenant:
    if tenant.status != Status.DELETED:
        raise CannotUndelete(f"{tenant.subdomain} is not deleted.")
    if tenant.deleted_at is None or tenant.deleted_at < _purge_cutoff():
        raise CannotUndelete(
            f"{tenant.subdomain} was deleted more than {settings.TENANT_DELETE_GRACE_DAYS} days "
            "ago; restore it from its export instead."
        )
    if not schemas.schema_exists(tenant.schema_name):
        raise CannotUndelete(f"The schema of {tenant.subdomain} is gone; use its export.")
    before = _state(tenant)
    with transaction.atomic():
        tenant.status, tenant.deleted_at = Status.ACTIVE, None
        Tenant.objects.filter(pk=tenant.pk).update(status=tenant.status, deleted_at=None)
        audit_log_record(
            actor=actor, action="tenant.undelete", tenant=tenant, before=before,
            after=_state(tenant), reason=reason.strip(),
        )  # fmt: skip
    tenant_routing_invalidate(tenant)
    transaction.on_commit(lambda: tenant_routing_invalidate(tenant))
    return tenant


def tenants_purge(*, now: datetime | None = None) -> int:
    """Drop the schema and row of every blog deleted longer ago than the grace period.

    Each blog is purged in its own transaction, so one failure does not stop the rest.
    Its export, its audit entries (which keep its label) and its accounts stay.
    """
    due = Tenant.objects.filter(status=Status.DELETED, deleted_at__lt=_purge_cutoff(now))
    purged = 0
    for tenant in due:
        hosts = list(Domain.objects.filter(tenant=tenant).values_list("domain", flat=True))
        try:
            with transaction.atomic():
                audit_log_record(
                    actor_label="system",
                    action="tenant.purge",
                    tenant=tenant,
                    before=_state(tenant) | {"schema_name": tenant.schema_name},
                    after={},
                )
                schemas.schema_drop(tenant.schema_name)
                tenant_purging.send(sender=Tenant, tenant=tenant)
                tenant.delete()
        except Exception:
            logger.exception("could not purge deleted blog %s", tenant.schema_name)
            continue
        routing_invalidate(*hosts)
        tenant_purged.send(sender=Tenant, schema_name=tenant.schema_name)
        purged += 1
    return purged


def tenant_search_rebuild(*, tenant: Tenant, actor: User, reason: str = "") -> None:
    """Queue a rebuild of every search vector of this blog (after commit), audited."""
    audit_log_record(
        actor=actor, action="tenant.search_rebuild", tenant=tenant,
        before={}, after={"queued": [tenant.schema_name]}, reason=reason.strip(),
    )  # fmt: skip
    dispatch.search_rebuild_schemas([tenant.schema_name])


def tenant_migrations_rerun(*, tenant: Tenant, actor: User, reason: str = "") -> bool:
    """Queue a fleet migration of this blog's schema if it misses a migration (after commit),
    audited. Returns False when the schema is already up to date (nothing is queued). The
    schema itself is read (`verify`), whatever its recorded migration fingerprint says."""
    run_id, need = fleet.fleet_plan([tenant.schema_name], verify=True)
    audit_log_record(
        actor=actor, action="tenant.migrations_rerun", tenant=tenant,
        before={}, after={"run_id": run_id if need else None, "queued": need},
        reason=reason.strip(),
    )  # fmt: skip
    if need:
        dispatch.migrate_schemas(need, run_id)
    return bool(need)
