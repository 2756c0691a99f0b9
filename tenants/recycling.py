"""Recycle a database connection that has visited too many schemas.

`tenants.db` counts the distinct schemas a connection has set its `search_path` to. At the end
of a request (`request_finished`) and of a Celery task (`task_postrun`), a connection past
`settings.QUIRE_DB_MAX_SCHEMAS_PER_CONNECTION` is closed, never inside a transaction; the next
query opens a fresh PostgreSQL backend with empty catalog caches.
"""

import logging

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


def connections_recycle(**_signal_kwargs) -> int:
    """Close every open connection of this thread that is past the threshold and not in a
    transaction. Returns how many were closed."""
    limit = settings.QUIRE_DB_MAX_SCHEMAS_PER_CONNECTION
    closed = 0
    for conn in connections.all(initialized_only=True):
        visited = getattr(conn, "schemas_visited", None)
        if visited is None or len(visited) <= limit or conn.connection is None:
            continue
        if conn.in_atomic_block:
            continue  # mid-transaction: the next safe point will do it
        logger.info("recycling database connection %s after %d schemas", conn.alias, len(visited))
        conn.close()
        closed += 1
    return closed


def connect_signals() -> None:
    from celery.signals import task_postrun
    from django.core.signals import request_finished

    request_finished.connect(connections_recycle, dispatch_uid="quire-recycle-request")
    task_postrun.connect(connections_recycle, dispatch_uid="quire-recycle-task", weak=False)
