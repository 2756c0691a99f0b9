"""Queueing that never breaks the caller: a write that succeeded stays a success even when
the broker is down. Whatever was not queued is picked up by a periodic sweep."""

import logging

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task: Task, *args, schema_name: str | None = None, **kwargs) -> bool:
    """Queue `task`; it runs in `schema_name` when given, else in the current schema."""
    headers = {"_schema_name": schema_name} if schema_name else None
    try:
        task.apply_async(args=args, kwargs=kwargs, headers=headers)
    except Exception:  # the broker's errors are many (kombu, redis, socket); all mean "later"
        logger.warning("could not queue %s%r; the periodic sweep will redo it", task.name, args)
        return False
    return True


def enqueue_on_commit(task: Task, *args, schema_name: str | None = None, **kwargs) -> None:
    """Queue `task` once the current transaction commits (now, outside a transaction)."""
    transaction.on_commit(lambda: enqueue(task, *args, schema_name=schema_name, **kwargs))


def fan_out(task: Task, *, size: int) -> int:
    """Send `task(batch)` for every blog, one message per batch of `size` schema names (never
    one message per blog at once). Returns how many messages were sent."""
    from tenants import selectors as tenant_selectors

    sent = 0
    for batch in tenant_selectors.schema_name_batches(size=size):
        task.delay(batch)
        sent += 1
    return sent
