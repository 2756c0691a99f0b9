"""PostgreSQL schemas: names, the template schema, cloning and dropping.

This module and django-tenants are the only code that creates, drops or switches schemas.

A blog's schema is a copy of the template schema (`settings.QUIRE_TEMPLATE_SCHEMA`), which is
kept fully migrated. Copying is plain DDL run in the caller's transaction, so a signup that
fails rolls its schema back with everything else: no orphan schema can be left behind.
"""

import re
import secrets

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django_tenants.utils import schema_context, tenant_context

__all__ = [
    "schema_clone_from_template",
    "schema_context",
    "schema_drop",
    "schema_exists",
    "schema_name_new",
    "template_ensure",
    "tenant_context",
]

_SCHEMA_NAME = re.compile(r"^t_[a-z0-9_]{1,60}$")


class TemplateMissing(RuntimeError):
    pass


def schema_name_new() -> str:
    """An opaque schema name, never derived from the subdomain."""
    return f"t_{secrets.token_hex(8)}"


def _quoted(name: str) -> str:
    if not _SCHEMA_NAME.match(name):
        raise ValueError(f"not a Quire schema name: {name!r}")
    return connection.ops.quote_name(name)


def schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def schema_drop(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {_quoted(name)} CASCADE")


def template_ensure(*, verbosity: int = 0) -> None:
    """Create the template schema if needed and apply every tenant migration to it."""
    template = settings.QUIRE_TEMPLATE_SCHEMA
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {_quoted(template)}")
    call_command(
        "migrate_schemas",
        schema_name=template,
        tenant=True,
        interactive=False,
        verbosity=verbosity,
    )
    connection.set_schema_to_public()


_TABLES_SQL = """
SELECT c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relkind IN ('r', 'p')
ORDER BY c.relname
"""

# Primary keys, unique, check and exclusion constraints first; foreign keys once every table
# has its keys. Names are kept, because later migrations refer to them.
_CONSTRAINTS_SQL = """
SELECT cl.relname, con.conname, pg_get_constraintdef(con.oid), con.contype
FROM pg_constraint con
JOIN pg_class cl ON cl.oid = con.conrelid
JOIN pg_namespace n ON n.oid = con.connamespace
WHERE n.nspname = %s AND con.contype IN ('p', 'u', 'c', 'x', 'f')
ORDER BY con.contype = 'f', cl.relname, con.conname
"""

# Indexes that do not back a constraint (those came with their constraint above).
_INDEXES_SQL = """
SELECT pg_get_indexdef(i.indexrelid)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
WHERE n.nspname = %s
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
ORDER BY ic.relname
"""

_IDENTITY_SQL = """
SELECT c.relname, a.attname
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND a.attidentity <> '' AND c.relkind IN ('r', 'p')
"""

# Per-column statistics targets (`ALTER COLUMN ... SET STATISTICS`): `LIKE` does not copy them.
_STATISTICS_SQL = """
SELECT c.relname, a.attname, a.attstattarget
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND a.attstattarget >= 0 AND a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p')
"""


# What the template's structure is made of, cheaply: its schema's oid and its applied
# migrations (ids come from a sequence, so a migration applied then rolled back still changes
# it). The template only changes through migrations.
_STAMP_SQL = """
SELECT n.oid, to_regclass(quote_ident(n.nspname) || '.django_migrations')
FROM pg_namespace n WHERE n.nspname = %s
"""

# One clone plan per template state and database, per process (a few KB each).
_PLANS: dict[tuple, list[str]] = {}
_DST = "\x00dst\x00"  # stands for the quoted target schema in a cached plan


def _template_stamp(template: str) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(_STAMP_SQL, [template])
        row = cursor.fetchone()
        if row is None or row[1] is None:
            return None
        cursor.execute(
            # The template's name is checked by _quoted; nothing else is interpolated.
            "SELECT count(*), max(id), md5(string_agg(app || '.' || name, ',' ORDER BY id)) "  # noqa: S608
            f"FROM {_quoted(template)}.django_migrations"
        )
        return (connection.settings_dict["NAME"], template, row[0], *cursor.fetchone())


def _clone_plan(template: str) -> list[str]:
    """The statements that copy the template, with `_DST` for the target schema.

    Reading the template's constraints and indexes scans catalogs that grow with every blog
    (`pg_constraint` has no index on `connamespace`/`conindid`): ~10 ms at 100 blogs, hundreds
    at 10,000. So the plan is read once per template state and reused.
    """
    stamp = _template_stamp(template)
    if stamp is not None and stamp in _PLANS:
        return _PLANS[stamp]
    src = _quoted(template)
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(_TABLES_SQL, [template])
        tables = [row[0] for row in cursor.fetchall()]
        if not tables or stamp is None:
            raise TemplateMissing(
                f"The template schema {template!r} is missing or empty: "
                "run `python manage.py ensure_template` (make run does it for you)."
            )
        cursor.execute(_CONSTRAINTS_SQL, [template])
        constraints = cursor.fetchall()
        cursor.execute(_INDEXES_SQL, [template])
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute(_IDENTITY_SQL, [template])
        identities = cursor.fetchall()
        cursor.execute(_STATISTICS_SQL, [template])
        statistics = cursor.fetchall()

    dst = _DST
    statements = [f"CREATE SCHEMA {dst}"]
    for table in tables:
        statements.append(
            f"CREATE TABLE {dst}.{qn(table)} (LIKE {src}.{qn(table)} INCLUDING DEFAULTS "
            "INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS)"
        )
        statements.append(
            # Identifiers come from the catalog and are quoted; no value is interpolated.
            f"INSERT INTO {dst}.{qn(table)} OVERRIDING SYSTEM VALUE "  # noqa: S608
            f"SELECT * FROM {src}.{qn(table)}"
        )
    # pg_get_*def() qualify names outside the search_path with the template's schema name.
    ref = re.compile(rf"(?<![\w\"]){re.escape(template)}\.")
    for table, name, definition, _kind in constraints:
        definition = ref.sub(f"{dst}.", definition)
        statements.append(f"ALTER TABLE {dst}.{qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
    for definition in indexes:
        statements.append(ref.sub(f"{dst}.", definition))
    for table, column, target in statistics:
        statements.append(
            f"ALTER TABLE {dst}.{qn(table)} ALTER COLUMN {qn(column)} SET STATISTICS {int(target)}"
        )
    for table, column in identities:
        statements.append(
            f"SELECT setval(pg_get_serial_sequence('{dst}.{qn(table)}', '{column}'), "  # noqa: S608
            f"COALESCE((SELECT max({qn(column)}) FROM {dst}.{qn(table)}), 0) + 1, false)"
        )
    if len(_PLANS) > 8:
        _PLANS.clear()
    _PLANS[stamp] = statements
    return statements


def schema_clone_from_template(target: str) -> None:
    """Create schema `target` as a copy (structure and rows) of the template schema.

    Runs in the caller's transaction; the template's rows are its migration records.
    """
    dst = _quoted(target)
    with transaction.atomic(), connection.cursor() as cursor:
        plan = _clone_plan(settings.QUIRE_TEMPLATE_SCHEMA)
        cursor.execute(";\n".join(plan).replace(_DST, dst))
