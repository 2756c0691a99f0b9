"""The warm pool: spare, fully migrated blog schemas made ahead of signups by a worker.

A signup claims one with `SELECT ... FOR UPDATE SKIP LOCKED` inside its own transaction, so two
signups never get the same schema, and a signup that fails puts its schema back by rolling
back. Only spares made from the current migrations are claimed.
"""

import logging

from django.conf import settings
from django.db import transaction

from tenants import fleet, schemas
from tenants.models import SpareSchema

logger = logging.getLogger(__name__)


def pool_claim() -> str | None:
    """Take a spare schema for the caller's transaction; None when the pool is empty."""
    spare = (
        SpareSchema.objects.select_for_update(skip_locked=True)
        .filter(migration_state=fleet.migration_state())
        .order_by("id")
        .first()
    )
    if spare is None:
        return None
    spare.delete()
    return spare.schema_name


def pool_size() -> int:
    return SpareSchema.objects.filter(migration_state=fleet.migration_state()).count()


def _drop_stale_spares(state: str) -> None:
    """Spares made from older migrations that no fleet run brought up to date: never claimed,
    so drop them rather than keep them forever."""
    while True:
        with transaction.atomic():
            stale = list(
                SpareSchema.objects.select_for_update(skip_locked=True)
                .exclude(migration_state=state)
                .values_list("id", "schema_name")[:50]
            )
            if not stale:
                return
            for _id, name in stale:
                schemas.schema_drop(name)
            SpareSchema.objects.filter(id__in=[i for i, _name in stale]).delete()
        logger.info("spare pool: dropped %d stale schema(s)", len(stale))


def pool_fill(*, target: int | None = None) -> int:
    """Make spare schemas until the pool holds `target` usable ones. Returns how many were made.

    Does nothing while the template is behind the code (a fleet migration must run first).
    """
    target = settings.QUIRE_SPARE_POOL_SIZE if target is None else target
    missing = target - pool_size()
    if missing <= 0:
        return 0
    if fleet.schemas_needing_migration([settings.QUIRE_TEMPLATE_SCHEMA]):
        logger.warning("not filling the spare pool: the template schema needs migrate_fleet")
        return 0
    state = fleet.migration_state()
    _drop_stale_spares(state)
    for _ in range(missing):
        with transaction.atomic():
            name = schemas.schema_name_new()
            schemas.schema_clone_from_template(name)
            SpareSchema.objects.create(schema_name=name, migration_state=state)
            fleet.schema_states_record([name], state=state)
    logger.info("spare pool: made %d schema(s)", missing)
    return missing
