"""Put a schema behind the code for real: unapply the blog app's newest migration there."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tenants import fleet
from tenants.models import SchemaMigration


def blog_leaf_and_parent():
    graph = fleet.migration_loader().graph
    (leaf,) = [node for node in graph.leaf_nodes() if node[0] == "blog"]
    parents = [p.key for p in graph.node_map[leaf].parents if p.key[0] == "blog"]
    return leaf, (parents[0] if parents else ("blog", None))


def unapply_newest_blog_migration(schema_name: str, *, forget_state: bool = True) -> int:
    """Unapply it in the schema (and the migrations of apps above blog that depend on it);
    returns how many were unapplied. With `forget_state` the schema's recorded migration
    fingerprint goes too, as when the code gains a migration the schema lacks (the fingerprint
    no longer matches); without it the schema looks changed by hand (`migrate_fleet --verify`).
    """
    _leaf, target = blog_leaf_and_parent()
    connection.set_schema(schema_name)
    try:
        executor = MigrationExecutor(connection)
        unapplied = len(executor.migration_plan([target]))
        executor.migrate([target])
    finally:
        connection.set_schema_to_public()
    if forget_state:
        SchemaMigration.objects.filter(schema_name=schema_name).update(migration_state="")
    return unapplied


def break_schema(schema_name: str) -> None:
    """Hide the post table and refuse new rows in django_migrations, so that migrating the
    blog app there fails whatever its newest migration touches."""
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{schema_name}".blog_post RENAME TO blog_post_hidden')
        cursor.execute(
            f'ALTER TABLE "{schema_name}".django_migrations '
            "ADD CONSTRAINT broken_for_test CHECK (false) NOT VALID"
        )


def mend_schema(schema_name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{schema_name}".blog_post_hidden RENAME TO blog_post')
        cursor.execute(
            f'ALTER TABLE "{schema_name}".django_migrations DROP CONSTRAINT broken_for_test'
        )


def schema_shape(schema_name: str) -> dict[str, list]:
    """Columns, constraints and indexes of a schema, with its own name taken out."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2",
            [schema_name],
        )
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = %s ORDER BY 1",
            [schema_name],
        )
        # Foreign keys name the table they reference with its schema.
        constraints = [(n, d.replace(schema_name, "S")) for n, d in cursor.fetchall()]
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s ORDER BY 1",
            [schema_name],
        )
        indexes = [(n, d.replace(schema_name, "S")) for n, d in cursor.fetchall()]
    return {"columns": columns, "constraints": constraints, "indexes": indexes}
