"""Which blog schemas need migrations: the code's migration fingerprint (`migration_state`),
what each schema recorded in `SchemaMigration`, and one pass over the schemas' own
`django_migrations` (one query per 500 schemas) for those that lack a migration. Also the pin
of the Django version the executor's fast path is verified on (see tenants.fleet_executor).
"""

import hashlib
import logging
from collections.abc import Iterable, Iterator
from functools import lru_cache

import django
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader

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
