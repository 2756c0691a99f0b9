"""Migrating one schema: in its own transaction, under an advisory lock that keeps two runs
off the same schema, with lock and statement timeouts, and the outcome recorded in
`SchemaMigration`.

The fast path (`_executor`, `_prepared_steps`) builds a MigrationExecutor through `__new__`
and calls its private `_create_project_state`. It is verified on Django `VERIFIED_DJANGO`
only: `tests/tenants/test_fleet_pin.py` compares the schema it makes with `migrate_schemas`'
for every migration in the tree. Any other Django fails loudly (a system check at startup,
and `DjangoVersionUnverified` on first use) until that test is re-run and the pin moved.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, router, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import OuterRef
from django.utils import timezone

from tenants.fleet_state import django_version_check, migration_loader, migration_state
from tenants.models import SchemaMigration, SpareSchema, Tenant

logger = logging.getLogger(__name__)


class _Recorder(MigrationRecorder):
    """Django's recorder, but whether the schema has its migrations table is one index lookup
    (`to_regclass`) instead of listing the schema's tables: django-tenants' introspection scans
    `pg_class`, which holds every blog's relations (~370,000 rows at 10,000 blogs), once or
    twice per schema migrated."""

    def has_table(self) -> bool:
        if self._has_table:
            return True
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT to_regclass(quote_ident(%s) || '.' || quote_ident(%s))",
                [self.connection.schema_name, self.Migration._meta.db_table],
            )
            self._has_table = cursor.fetchone()[0] is not None
        return self._has_table


def _executor() -> MigrationExecutor:
    """An executor for the current schema that reuses the process's migration graph."""
    django_version_check()
    loader = migration_loader()
    if any(m.replaces for m in loader.disk_migrations.values()):
        return MigrationExecutor(connection)  # squashed migrations depend on what is applied
    executor = MigrationExecutor.__new__(MigrationExecutor)
    executor.connection = connection
    executor.recorder = _Recorder(connection)
    executor.progress_callback = None
    loader.applied_migrations = executor.recorder.applied_migrations()
    executor.loader = loader
    return executor


@dataclass(frozen=True)
class Outcome:
    schema_name: str
    status: str
    applied: int = 0
    error: str = ""


def schema_migrate(schema_name: str, *, run_id: str = "") -> Outcome:
    """Apply every missing migration to one schema, all or nothing, and record the outcome."""
    return schemas_migrate([schema_name], run_id=run_id)[0]


def schemas_migrate(schema_names: list[str], *, run_id: str = "") -> list[Outcome]:
    """Migrate each schema in turn, each in its own transaction; one failure never stops the
    others. Outcomes are recorded together at the end (three statements, not three per
    schema): a worker killed half-way leaves the batch to be delivered again.

    A schema whose migration could not get its table locks within
    `QUIRE_MIGRATION_LOCK_TIMEOUT` (a long transaction is using the table) is not waited on:
    the others go first, then it is tried again after a backoff, up to
    `QUIRE_MIGRATION_LOCK_TRIES` times in all. Its record says how many lock timeouts it met.
    """
    SchemaMigration.objects.filter(schema_name__in=schema_names).update(
        status=SchemaMigration.Status.RUNNING, updated_at=timezone.now()
    )
    tries = max(1, settings.QUIRE_MIGRATION_LOCK_TRIES)
    results: dict[str, tuple[Outcome, int]] = {}
    timeouts = dict.fromkeys(schema_names, 0)
    pending = list(schema_names)
    for attempt in range(1, tries + 1):
        locked = []
        for name in pending:
            started = time.monotonic()
            try:
                applied = _migrate_locked(name)
            except Exception as exc:
                if _is_lock_timeout(exc):
                    timeouts[name] += 1
                    if attempt < tries:
                        logger.warning(
                            "migrating %s: lock timeout (try %d of %d), retrying later",
                            name, attempt, tries,
                        )  # fmt: skip
                        locked.append(name)
                        continue
                    error = (
                        f"lock timeout on {tries} tries (a long transaction holds a table): {exc!r}"
                    )
                else:
                    error = f"{exc!r}"
                    logger.exception("migrating %s failed", name)
                outcome = Outcome(name, SchemaMigration.Status.FAILED, error=error[:4000])
            else:
                note = f"migrated after {timeouts[name]} lock timeout(s)" if timeouts[name] else ""
                outcome = Outcome(name, SchemaMigration.Status.DONE, applied=applied, error=note)
            finally:
                connection.set_schema_to_public()
            results[name] = (outcome, int((time.monotonic() - started) * 1000))
        pending = locked
        if not pending:
            break
        time.sleep(settings.QUIRE_MIGRATION_RETRY_BACKOFF * 2 ** (attempt - 1))
    outcomes = [results[name] for name in schema_names]
    _record(outcomes, run_id=run_id)
    return [outcome for outcome, _ms in outcomes]


def _is_lock_timeout(exc: BaseException) -> bool:
    """PostgreSQL's lock_not_available (55P03): `lock_timeout` expired."""
    while exc is not None:
        if getattr(exc, "pgcode", None) == "55P03":
            return True
        exc = exc.__cause__ or exc.__context__
    return False


# How long a second run waits for the first one's advisory lock on the same schema.
ADVISORY_LOCK_TIMEOUT = "120s"


def _migrate_locked(schema_name: str) -> int:
    """A second run on the same schema waits for the first, then finds nothing left to do.

    The migration itself runs under `lock_timeout` (`QUIRE_MIGRATION_LOCK_TIMEOUT`): an ALTER
    that waits for a lock queues every reader of the table behind it, so rather than wait, it
    gives up quickly and is retried later. `statement_timeout`
    (`QUIRE_MIGRATION_STATEMENT_TIMEOUT`) stops a statement that runs too long (a rewrite of a
    big table) from holding its locks for good. The commit does not wait for the disk
    (`synchronous_commit = off`): were a crash to lose it, the schema would simply still be
    behind, and the next run's one-pass check finds it.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SET LOCAL lock_timeout = '{ADVISORY_LOCK_TIMEOUT}'; "
                "SET LOCAL synchronous_commit = off; "
                "SELECT pg_advisory_xact_lock(hashtext(%s)); "
                "SELECT set_config('lock_timeout', %s, true), "
                "set_config('statement_timeout', %s, true)",
                [
                    f"quire.migrate:{schema_name}",
                    settings.QUIRE_MIGRATION_LOCK_TIMEOUT,
                    settings.QUIRE_MIGRATION_STATEMENT_TIMEOUT,
                ],
            )
        # Search path: the blog's schema, then public. django-tenants' introspection looks in
        # the blog's schema only, so a missing migrations table is created there.
        connection.set_schema(schema_name)
        executor = _executor()
        targets = executor.loader.graph.leaf_nodes()
        plan = executor.migration_plan(targets)
        if not plan:
            return 0
        if any(backwards or migration.replaces for migration, backwards in plan):
            executor.migrate(targets, plan=plan)
        else:
            _apply_forwards(executor, plan)
        return len(plan)


# Model states are the same for every schema that starts from the same applied set: they are
# worked out once per process (rendering them is most of the cost of a migration), and each
# schema then only runs the database operations, as Migration.apply would.
_STEPS: dict[tuple, list] = {}


def _prepared_steps(executor: MigrationExecutor, plan: list) -> list:
    key = (
        tuple((m.app_label, m.name) for m, _ in plan),
        frozenset(executor.loader.applied_migrations),
    )
    steps = _STEPS.get(key)
    if steps is None:
        state = executor._create_project_state(with_applied_migrations=True)
        steps = []
        for migration, _backwards in plan:
            operations = []
            for operation in migration.operations:
                before = state.clone()
                operation.state_forwards(migration.app_label, state)
                operations.append((operation, before, state.clone()))
            steps.append((migration, operations))
        if len(_STEPS) > 8:
            _STEPS.clear()
        _STEPS[key] = steps
    return steps


def _apply_forwards(executor: MigrationExecutor, plan: list) -> None:
    for migration, operations in _prepared_steps(executor, plan):
        if not router.allow_migrate(connection.alias, migration.app_label):
            # An app of the public schema only: the router turns each of its operations into
            # nothing here, so only the record is written. (Its non-atomic operations, e.g.
            # AddIndexConcurrently, would refuse to run inside this schema's transaction even
            # to do nothing.)
            executor.record_migration(migration)
            continue
        with connection.schema_editor(atomic=migration.atomic) as editor:
            for operation, before, after in operations:
                atomic_operation = operation.atomic or (
                    migration.atomic and operation.atomic is not False
                )
                if not editor.atomic_migration and atomic_operation:
                    with transaction.atomic():
                        operation.database_forwards(migration.app_label, editor, before, after)
                else:
                    operation.database_forwards(migration.app_label, editor, before, after)
        executor.record_migration(migration)


def _record(outcomes: list[tuple[Outcome, int]], *, run_id: str) -> None:
    done = [o.schema_name for o, _ms in outcomes if o.status == SchemaMigration.Status.DONE]
    state = migration_state()
    if done:
        SpareSchema.objects.filter(schema_name__in=done).update(migration_state=state)
    SchemaMigration.objects.bulk_create(
        [
            SchemaMigration(
                schema_name=outcome.schema_name,
                run_id=run_id or "inline",
                status=outcome.status,
                applied=outcome.applied,
                error=outcome.error,
                duration_ms=ms,
                # Only a schema this process brought up to its own migrations gets their
                # fingerprint; a failed one gets none, so no later run skips it.
                migration_state=state if outcome.status == SchemaMigration.Status.DONE else "",
            )
            for outcome, ms in outcomes
        ],
        update_conflicts=True,
        unique_fields=["schema_name"],
        update_fields=[
            "run_id", "status", "applied", "error", "duration_ms", "migration_state", "updated_at",
        ],
    )  # fmt: skip
    missing_tenant = SchemaMigration.objects.filter(
        schema_name__in=[o.schema_name for o, _ms in outcomes], tenant__isnull=True
    )
    missing_tenant.update(
        tenant=Tenant.objects.filter(schema_name=OuterRef("schema_name")).values("id")[:1]
    )
