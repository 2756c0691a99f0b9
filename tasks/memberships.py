"""Membership tasks: the daily reconcile of every blog that sells through Stripe, and members
imported from a Ghost or Substack export."""

import logging

from celery import shared_task
from django.db import OperationalError

from memberships import member_import
from memberships.reconcile import memberships_reconcile
from shared.billing.models import ConnectedAccount
from tasks.queue import RETRIED, batch_tenants, fan_out, task_tenant

logger = logging.getLogger(__name__)
BATCH = 20


@shared_task
def memberships_reconcile_dispatch() -> int:
    """Periodic, daily: the blogs with a connected account, BATCH per message."""
    schemas = list(
        ConnectedAccount.objects.filter(disconnected_at__isnull=True)
        .order_by("tenant_id")
        .values_list("tenant__schema_name", flat=True)
    )
    return fan_out(
        memberships_reconcile_batch, (schemas[i : i + BATCH] for i in range(0, len(schemas), BATCH))
    )


@shared_task(**RETRIED)
def memberships_reconcile_batch(schema_names: list[str]) -> int:
    repaired = 0
    for tenant in batch_tenants(schema_names):
        run = memberships_reconcile(tenant=tenant)
        if run is not None:
            repaired += run.repaired
            if run.error:
                logger.warning("reconcile of %s stopped: %s", tenant.schema_name, run.error)
    return repaired


# A members import is idempotent (subscribers by address, subscriptions by id): redelivery after
# a lost worker is safe. Stripe is asked about every paying row: longer limits than the default.
_LONG = RETRIED | {"soft_time_limit": 1800, "time_limit": 1900}


@shared_task(**_LONG)
def member_import_run(job_id: str) -> str:
    """A members CSV (Ghost or Substack) the owner uploaded, into the blog's members."""
    tenant = task_tenant()
    try:
        state = member_import.member_import_run(tenant=tenant, job_id=job_id)
    except OperationalError:
        raise  # retried with backoff (RETRIED)
    except Exception:
        member_import.member_import_fail(tenant=tenant, job_id=job_id)
        raise
    return state["status"] if state else "expired"
