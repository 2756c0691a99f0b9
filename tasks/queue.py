"""What every task wrapper shares: the retry policy, the blog a task runs for, and the
dispatch -> fan-out -> per-blog batch shape of fleet-wide periodic work.

A task queued by a blog runs in that blog's schema (tenant-schemas-celery's `_schema_name`
header); `task_tenant()` is that blog, read afresh (the worker's cached tenant may be a minute
old, and a task acts on the plan and language of now). A periodic task fans out over the
fleet with `fan_out`, one message per batch of schema names, and a batch visits its blogs with
`batch_tenants`."""

from collections.abc import Iterable, Iterator

from celery import Task
from django.db import OperationalError, connection

from tenants import selectors as tenant_selectors
from tenants.context import tenant_context
from tenants.models import Tenant

# The retry policy of idempotent tasks: redelivered if a worker dies (acks_late), retried
# with backoff when the database is briefly unreachable.
RETRIED = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}
# Schema names per message of a fleet-wide fan-out.
FANOUT_BATCH = 100


def task_tenant() -> Tenant:
    """The blog whose schema this task runs in, read afresh."""
    return tenant_selectors.tenants_by_schema(schema_names=[connection.schema_name])[0]


def fan_out(task: Task, batches: Iterable[list[str]]) -> int:
    """Send `task(batch)` once per batch of schema names (never one message per blog at
    once). Returns how many messages were sent."""
    sent = 0
    for batch in batches:
        task.delay(batch)
        sent += 1
    return sent


def fan_out_fleet(task: Task) -> int:
    """`fan_out` over every blog, FANOUT_BATCH schema names per message."""
    return fan_out(task, tenant_selectors.schema_name_batches(size=FANOUT_BATCH))


def batch_tenants(schema_names: list[str]) -> Iterator[Tenant]:
    """Each blog of a batch in turn, with the connection in its schema while the caller works."""
    for tenant in tenant_selectors.tenants_by_schema(schema_names=schema_names):
        with tenant_context(tenant):
            yield tenant
