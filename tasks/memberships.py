"""Membership tasks: the daily reconcile of every blog that sells through Stripe."""

import logging

from celery import shared_task

from memberships.reconcile import memberships_reconcile
from shared.billing.models import ConnectedAccount
from tasks.queue import RETRIED, batch_tenants, fan_out

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
