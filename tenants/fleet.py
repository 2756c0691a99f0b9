"""Fleet migrations: bring every blog schema (plus the template and spare schemas) up to date.

- `fleet_plan` first skips, with one query in public, every schema whose `SchemaMigration` row
  says `done` at the code's migration fingerprint (`migration_state`): at 10,000 blogs a run
  with nothing to apply reads no blog schema. `verify=True` (`migrate_fleet --verify`) checks
  every schema anyway, for schemas changed by hand.
- `schemas_needing_migration` works out in one pass (one query per 500 schemas) which schemas
  lack any migration of the current code, so up-to-date schemas cost nothing.
- `schema_migrate` migrates one schema in its own transaction, under an advisory lock that
  keeps two runs off the same schema, and records the outcome in `SchemaMigration`.
- The migration graph is read from disk once per process (`migration_loader`), not once per
  schema as `migrate_schemas` does.

The work is in `tenants.fleet_state` (what needs migrating) and `tenants.fleet_executor`
(migrating one schema); this module plans a run and reports its progress, and names them all
for callers.
"""

import logging
import uuid
from collections.abc import Iterator

from tenants.fleet_executor import (  # noqa: F401 (named here for callers)
    _STEPS,
    ADVISORY_LOCK_TIMEOUT,
    Outcome,
    _executor,
    schema_migrate,
    schemas_migrate,
)
from tenants.fleet_state import (  # noqa: F401 (named here for callers)
    VERIFIED_DJANGO,
    DjangoVersionUnverified,
    _chunks,
    django_version_check,
    django_version_problem,
    fleet_schema_names,
    migration_keys,
    migration_loader,
    migration_state,
    schema_states_record,
    schemas_needing_migration,
    schemas_unrecorded,
)
from tenants.models import SchemaMigration, Tenant

logger = logging.getLogger(__name__)


def fleet_plan(
    names: list[str] | None = None, *, run_id: str | None = None, verify: bool = False
) -> tuple[str, list[str]]:
    """Start a run (or a further round of `run_id`): find the schemas that need work and mark
    them pending. Returns (run_id, schemas).

    Schemas recorded as brought up to the code's migration fingerprint are skipped without
    reading them (`schemas_unrecorded`); the others are checked in their schema, and those found
    up to date get the fingerprint recorded, so the next run skips them. `verify` checks every
    schema (for schemas changed by hand since they were recorded)."""
    names = fleet_schema_names() if names is None else names
    candidates = names if verify else schemas_unrecorded(names)
    need = schemas_needing_migration(candidates)
    run_id = run_id or uuid.uuid4().hex
    behind = set(need)
    current = [name for name in candidates if name not in behind]
    tenant_ids = dict(
        Tenant.objects.filter(schema_name__in=need + current).values_list("schema_name", "id")
    )
    schema_states_record(current, state=migration_state(), tenant_ids=tenant_ids)
    SchemaMigration.objects.bulk_create(
        [
            SchemaMigration(
                schema_name=name,
                tenant_id=tenant_ids.get(name),
                run_id=run_id,
                status=SchemaMigration.Status.PENDING,
                error="",
                applied=0,
                duration_ms=None,
                migration_state="",
            )
            for name in need
        ],
        update_conflicts=True,
        unique_fields=["schema_name"],
        update_fields=[
            "tenant",
            "run_id",
            "status",
            "error",
            "applied",
            "duration_ms",
            "migration_state",
        ],  # fmt: skip
        batch_size=1000,
    )
    return run_id, need


def fleet_progress(run_id: str, names: list[str] | None = None) -> dict[str, int]:
    """How many schemas of the run (or of `names` in it) are in each status."""
    from django.db.models import Count

    rows = SchemaMigration.objects.filter(run_id=run_id)
    if names is not None:
        rows = rows.filter(schema_name__in=names)
    rows = rows.values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def schema_batches(names: list[str], size: int) -> Iterator[list[str]]:
    return _chunks(names, size)
