"""Writes for tenants: provisioning, suspension. The only way blogs come to exist."""

import logging

from django.db import IntegrityError, transaction

from shared.accounts import services as account_services
from shared.accounts.models import Membership, User
from tenants import schemas
from tenants.models import Domain, Tenant
from tenants.routing import blog_host, routing_invalidate, tenant_routing_invalidate
from tenants.selectors import subdomain_taken
from tenants.subdomains import subdomain_validate

logger = logging.getLogger(__name__)


class SubdomainTaken(Exception):
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
            schema_name = schemas.schema_name_new()
            schemas.schema_clone_from_template(schema_name)
            tenant = Tenant(schema_name=schema_name, subdomain=sub, name=name.strip())
            tenant.save()
            Domain.objects.create(domain=host, tenant=tenant, is_primary=True)
            account_services.membership_create(
                user=owner, tenant_id=tenant.id, role=Membership.Role.OWNER
            )
    except IntegrityError as exc:
        if subdomain_taken(subdomain=sub):  # a concurrent signup committed first
            raise SubdomainTaken(sub) from exc
        raise
    # An unknown-host answer for this host may be cached: forget it now and after commit.
    routing_invalidate(host)
    transaction.on_commit(lambda: routing_invalidate(host))
    logger.info("provisioned blog %s in schema %s", sub, schema_name)
    return tenant


def tenant_set_status(*, tenant: Tenant, status: str) -> Tenant:
    """Suspend or reactivate a blog. A suspended blog answers 403; its data is kept."""
    if status not in Tenant.Status.values:
        raise ValueError(f"unknown status {status!r}; use one of {Tenant.Status.values}")
    Tenant.objects.filter(pk=tenant.pk).update(status=status)
    tenant.status = status
    tenant_routing_invalidate(tenant)
    transaction.on_commit(lambda: tenant_routing_invalidate(tenant))
    return tenant
