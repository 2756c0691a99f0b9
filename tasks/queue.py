"""Queueing that never breaks the caller: a write that succeeded stays a success even when
the broker is down. Whatever was not queued is picked up by a periodic sweep."""

import logging
from collections.abc import Iterable

from celery import Task
from django.db import OperationalError, transaction

logger = logging.getLogger(__name__)

# The retry policy of idempotent tasks: redelivered if a worker dies (acks_late), retried
# with backoff when the database is briefly unreachable.
RETRIED = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


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


def fan_out(task: Task, batches: Iterable[list[str]]) -> int:
    """Send `task(batch)` once per batch of schema names (never one message per blog at
    once). Returns how many messages were sent."""
    sent = 0
    for batch in batches:
        task.delay(batch)
        sent += 1
    return sent
