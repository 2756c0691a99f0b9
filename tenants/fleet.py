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

The fast path (`_executor`, `_prepared_steps`) builds a MigrationExecutor through `__new__`
and calls its private `_create_project_state`. It is verified on Django `VERIFIED_DJANGO`
only: `tests/tenants/test_fleet_pin.py` compares the schema it makes with `migrate_schemas`'
for every migration in the tree. Any other Django fails loudly (a system check at startup,
and `DjangoVersionUnverified` on first use) until that test is re-run and the pin moved.
"""

import hashlib
import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import django
from django.conf import settings
from django.db import connection, router, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import OuterRef
from django.utils import timezone

from tenants.models import SchemaMigration, SpareSchema, Tenant

logger = logging.getLogger(__name__)

CHECK_CHUNK = 500
VERIFIED_DJANGO = (5, 2)


class DjangoVersionUnverified(RuntimeError):
    pass


def django_version_problem() -> str | None:
    """Why the fast path must not run on this Django, or None when it was verified on it."""
    if tuple(django.VERSION[:2]) == VERIFIED_DJANGO:
        return None
    found = ".".join(str(part) for part in django.VERSION[:3])
    verified = ".".join(map(str, VERIFIED_DJANGO))
    return (
        f"tenants.fleet uses private Django migration APIs (MigrationExecutor.__new__, "
        f"_create_project_state) verified on Django {verified}.x only; this is Django {found}. "
        "Run tests/tenants/test_fleet_pin.py on this version and, if it passes, move "
        "tenants.fleet.VERIFIED_DJANGO."
    )


def django_version_check() -> None:
    problem = django_version_problem()
    if problem:
        raise DjangoVersionUnverified(problem)


@lru_cache(maxsize=1)
def migration_loader() -> MigrationLoader:
    """The migration graph, from disk only; built once per process."""
    return MigrationLoader(None, ignore_no_migrations=True)


@lru_cache(maxsize=1)
def migration_keys() -> tuple[str, ...]:
    return tuple(sorted(f"{app}.{name}" for app, name in migration_loader().graph.nodes))


@lru_cache(maxsize=1)
def migration_state() -> str:
    """A fingerprint of the code's migrations: schemas recorded with it are up to date."""
    return hashlib.sha256("\n".join(migration_keys()).encode()).hexdigest()[:32]


def fleet_schema_names() -> list[str]:
    """Every schema a fleet migration looks after: template, spares, then blogs (oldest first)."""
    names = [settings.QUIRE_TEMPLATE_SCHEMA]
    names += SpareSchema.objects.order_by("id").values_list("schema_name", flat=True)
    names += Tenant.objects.order_by("id").values_list("schema_name", flat=True)
    return names


def schemas_unrecorded(names: Iterable[str]) -> list[str]:
    """The schemas among `names` (in their order) that are not recorded as brought up to the
    code's migrations: no row, a row that is pending, running or failed (a failed migration is
    rolled back, a non-atomic one may be partial), or one from another migration set. One
    query in public; no blog schema is read."""
    names = list(names)
    if not names:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.name FROM unnest(%s::text[]) WITH ORDINALITY AS n(name, i) "
            "LEFT JOIN tenants_schemamigration m ON m.schema_name = n.name "
            "AND m.status = %s AND m.migration_state = %s "
            "WHERE m.id IS NULL ORDER BY n.i",
            [names, SchemaMigration.Status.DONE, migration_state()],
        )
        return [row[0] for row in cursor.fetchall()]


def schema_states_record(
    schema_names: list[str], *, state: str, tenant_ids: dict[str, int] | None = None
) -> None:
    """Record that these schemas are up to date at the migration fingerprint `state` (they were
    checked, or cloned from a template at that state). A row's run, error and duration are kept;
    a new row's run is "checked"."""
    if not schema_names:
        return
    tenant_ids = tenant_ids or {}
    SchemaMigration.objects.bulk_create(
        [
            SchemaMigration(
                schema_name=name,
                tenant_id=tenant_ids.get(name),
                run_id="checked",
                status=SchemaMigration.Status.DONE,
                migration_state=state,
            )
            for name in schema_names
        ],
        update_conflicts=True,
        unique_fields=["schema_name"],
        update_fields=["tenant", "status", "migration_state", "updated_at"],
        batch_size=1000,
    )


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def schemas_needing_migration(names: Iterable[str]) -> list[str]:
    """The schemas among `names` that miss at least one migration (or do not exist)."""
    names = list(names)
    if not names:
        return []
    keys = list(migration_keys())
    with connection.cursor() as cursor:
        # to_regclass looks each name up by index; a join on relname = 'django_migrations'
        # would read one row per blog.
        cursor.execute(
            "SELECT name FROM unnest(%s::text[]) AS name "
            "WHERE to_regclass(quote_ident(name) || '.django_migrations') IS NOT NULL",
            [names],
        )
        with_table = {row[0] for row in cursor.fetchall()}
        behind = [name for name in names if name not in with_table]
        present = [name for name in names if name in with_table]
        for chunk in _chunks(present, CHECK_CHUNK):
            # Schema names come from our own tables and are quoted; values are parameters.
            parts = [
                f"SELECT %s, (SELECT count(*) FROM {connection.ops.quote_name(name)}"  # noqa: S608
                ".django_migrations m WHERE m.app || '.' || m.name = ANY(%s))"
                for name in chunk
            ]
            params: list = []
            for name in chunk:
                params += [name, keys]
            cursor.execute(" UNION ALL ".join(parts), params)
            behind += [name for name, count in cursor.fetchall() if count < len(keys)]
    order = {name: i for i, name in enumerate(names)}
    return sorted(set(behind), key=order.__getitem__)


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
