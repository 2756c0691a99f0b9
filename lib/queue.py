"""Queueing background work by task name, so that no service imports a task.

A service says what should happen (`enqueue_on_commit("tasks.search.post_search_vector_refresh",
post_id)`) through its app's `dispatch` module; the task wrappers in `tasks/` import the
services, never the other way round. A write that succeeded stays a success even when the
broker is down: what was not queued is picked up by a periodic sweep. Routing (which queue) is
by name, in `CELERY_TASK_ROUTES`. The tenant travels in the `_schema_name` header: the schema
given, else the connection's current one (tenant-schemas-celery).
"""

import logging

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(
    task_name: str,
    *args,
    schema_name: str | None = None,
    countdown: float | None = None,
    **kwargs,
) -> bool:
    """Queue the task named `task_name`; it runs in `schema_name` when given, else in the
    current schema, `countdown` seconds from now when given. False (and a warning) when the
    broker did not take it."""
    headers = {"_schema_name": schema_name} if schema_name else None
    try:
        current_app.send_task(
            task_name, args=args, kwargs=kwargs, headers=headers, countdown=countdown
        )
    except Exception:  # the broker's errors are many (kombu, redis, socket); all mean "later"
        logger.warning("could not queue %s%r; the periodic sweep will redo it", task_name, args)
        return False
    return True


def enqueue_on_commit(task_name: str, *args, schema_name: str | None = None, **kwargs) -> None:
    """Queue the task once the current transaction commits (now, outside a transaction)."""
    transaction.on_commit(lambda: enqueue(task_name, *args, schema_name=schema_name, **kwargs))
