"""Writes for tenants: provisioning, suspension. The only way blogs come to exist."""

import logging
from datetime import datetime

from django.db import IntegrityError, connection, transaction

from lib.errors import Conflict
from lib.urls import blog_host
from shared.accounts import services as account_services
from shared.accounts.models import Membership, User
from shared.billing import services as billing_services
from tenants import dispatch, fleet, pool, schemas
from tenants.models import Domain, PublishSchedule, Tenant
from tenants.routing import routing_invalidate, tenant_routing_invalidate
from tenants.selectors import subdomain_taken
from tenants.subdomains import subdomain_validate

logger = logging.getLogger(__name__)


class SubdomainTaken(Conflict):
    def __init__(self, subdomain: str):
        super().__init__(f"the subdomain {subdomain!r} is already taken")
        self.subdomain = subdomain


def tenant_provision(
    *, subdomain: str, name: str, owner: User, allow_reserved: bool = False
) -> Tenant:
    """Create a live blog: schema, tenant row, domain and owner membership, all or nothing.

    Two concurrent calls for one subdomain: the unique constraint lets one commit; the other
    gets SubdomainTaken and its transaction (schema included) is rolled back.
    """
    sub = subdomain_validate(subdomain, allow_reserved=allow_reserved)
    if subdomain_taken(subdomain=sub):
        raise SubdomainTaken(sub)
    host = blog_host(sub)
    try:
        with transaction.atomic():
            schema_name = pool.pool_claim()  # spares are at the code's migrations
            behind = False
            if schema_name is None:
                logger.warning("spare-schema pool is empty: provisioning %s inline", sub)
                schema_name = schemas.schema_name_new()
                schemas.schema_clone_from_template(schema_name)
                behind = bool(fleet.schemas_needing_migration([schema_name]))
            tenant = Tenant(schema_name=schema_name, subdomain=sub, name=name.strip())
            tenant.save()
            if not behind:
                # The fingerprint of the migrations the schema was made at, so that
                # migrate_fleet skips it without reading it (tenants.fleet.fleet_plan).
                fleet.schema_states_record(
                    [schema_name],
                    state=fleet.migration_state(),
                    tenant_ids={schema_name: tenant.id},
                )
            Domain.objects.create(domain=host, tenant=tenant, is_primary=True)
            account_services.membership_create(
                user=owner, tenant_id=tenant.id, role=Membership.Role.OWNER
            )
            billing_services.subscription_get_or_create(tenant_id=tenant.id)  # Free
    except IntegrityError as exc:
        if subdomain_taken(subdomain=sub):  # a concurrent signup committed first
            raise SubdomainTaken(sub) from exc
        raise
    # An unknown-host answer for this host may be cached: forget it now and after commit.
    routing_invalidate(host)
    transaction.on_commit(lambda: routing_invalidate(host))
    _refill_pool_after_commit()
    if behind:
        # Mid-deploy: the template is behind the code. A worker brings the new blog up to date
        # right after commit (never inside this request).
        logger.warning("blog %s was cloned from a template that is behind: migrating it", sub)
        _migrate_after_commit(schema_name)
    logger.info("provisioned blog %s in schema %s", sub, schema_name)
    return tenant


def _refill_pool_after_commit() -> None:
    dispatch.pool_refill()


def _migrate_after_commit(schema_name: str) -> None:
    dispatch.migrate_schemas([schema_name], "provisioning")


def tenant_set_status(*, tenant: Tenant, status: str) -> Tenant:
    """Suspend or reactivate a blog. A suspended blog answers 403; its data is kept."""
    if status not in Tenant.Status.values:
        raise ValueError(f"unknown status {status!r}; use one of {Tenant.Status.values}")
    Tenant.objects.filter(pk=tenant.pk).update(status=status)
    tenant.status = status
    tenant_routing_invalidate(tenant)
    transaction.on_commit(lambda: tenant_routing_invalidate(tenant))
    return tenant


_NOTE_SQL = """
INSERT INTO tenants_publishschedule (tenant_id, next_due_at) VALUES (%s, %s)
ON CONFLICT (tenant_id)
DO UPDATE SET next_due_at = LEAST(tenants_publishschedule.next_due_at, EXCLUDED.next_due_at)
"""


def publish_schedule_note(*, tenant_id: int, due_at: datetime) -> None:
    """A post of this blog is due at `due_at`: make sure the publisher opens it by then."""
    with connection.cursor() as cursor:
        cursor.execute(_NOTE_SQL, [tenant_id, due_at])


def publish_schedule_lock(*, tenant_id: int) -> bool:
    """Lock the blog's schedule row for the current transaction (False: nothing scheduled).

    Held while the blog's due posts are published and its next due time is worked out, so a
    post scheduled meanwhile cannot be lost (its note waits for the lock, then applies)."""
    return PublishSchedule.objects.select_for_update().filter(tenant_id=tenant_id).exists()


def publish_schedule_set(*, tenant_id: int, next_due_at: datetime | None) -> None:
    if next_due_at is None:
        PublishSchedule.objects.filter(tenant_id=tenant_id).delete()
    else:
        PublishSchedule.objects.update_or_create(
            tenant_id=tenant_id, defaults={"next_due_at": next_due_at}
        )
