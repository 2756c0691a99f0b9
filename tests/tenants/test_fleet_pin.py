"""The fleet's fast path (tenants.fleet: MigrationExecutor built through __new__, private
_create_project_state) must make exactly the schema Django's own migrate makes. For every
migration in the tree, two schemas start from the state just before it: one is brought up
to date by the fleet, the other by `migrate_schemas`; their catalogs must be identical."""

import django
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tenants import fleet
from tenants.apps import fleet_django_version_check
from tests.tenants.fleet_helpers import schema_shape


def _forwards_plan_all(graph):
    seen = []
    for leaf in sorted(graph.leaf_nodes()):
        for node in graph.forwards_plan(leaf):
            if node not in seen:
                seen.append(node)
    return seen


def blog_migrations() -> list[tuple[str, str]]:
    graph = fleet.migration_loader().graph
    return [node for node in _forwards_plan_all(graph) if node[0] == "blog"]


def schema_at(name: str, before: tuple[str, str] | None) -> None:
    """A fresh schema with every blog migration up to (not including) `before` applied."""
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE; CREATE SCHEMA "{name}"')
    if before is None:
        return
    graph = fleet.migration_loader().graph
    parents = [p.key for p in graph.node_map[before].parents if p.key[0] == "blog"]
    if not parents:
        return
    connection.set_schema(name)
    try:
        MigrationExecutor(connection).migrate([parents[0]])
    finally:
        connection.set_schema_to_public()


def catalog(name: str) -> dict:
    shape = schema_shape(name)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1",
            [name],
        )
        shape["tables"] = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f'SELECT app, name FROM "{name}".django_migrations ORDER BY app, name'  # noqa: S608
        )
        shape["applied"] = cursor.fetchall()
    # Constraint and index names embed no schema name; definitions do: normalise them.
    shape["constraints"] = [(n, d.replace(name, "S")) for n, d in shape["constraints"]]
    shape["indexes"] = [(n, d.replace(name, "S")) for n, d in shape["indexes"]]
    return shape


@pytest.mark.parametrize("migration", blog_migrations(), ids=lambda node: ".".join(node))
def test_the_fast_path_makes_the_schema_migrate_schemas_makes(db, migration):
    fast, stock = "t_pin_fast", "t_pin_stock"
    for name in (fast, stock):
        schema_at(name, migration)

    outcome = fleet.schema_migrate(fast)
    assert outcome.status == "done", outcome.error
    call_command("migrate_schemas", schema_name=stock, interactive=False, verbosity=0)

    fast_catalog, stock_catalog = catalog(fast), catalog(stock)
    assert fast_catalog["tables"] and fast_catalog["indexes"] and fast_catalog["constraints"]
    assert ("blog", migration[1]) in fast_catalog["applied"]
    for part in ("tables", "columns", "constraints", "indexes", "applied"):
        assert fast_catalog[part] == stock_catalog[part], part


def test_every_migration_of_the_tree_is_covered():
    names = {name for _app, name in blog_migrations()}
    on_disk = {
        name for app, name in fleet.migration_loader().disk_migrations if app == "blog"
    }  # fmt: skip
    assert names == on_disk and len(names) >= 2


def test_an_unverified_django_fails_loudly(monkeypatch):
    assert fleet.django_version_problem() is None and fleet_django_version_check() == []
    monkeypatch.setattr(django, "VERSION", (6, 0, 0, "final", 0))
    (problem,) = fleet_django_version_check()
    assert problem.id == "tenants.E001" and "Django 6.0.0" in problem.msg
    with pytest.raises(fleet.DjangoVersionUnverified, match="verified on Django 5.2.x"):
        fleet._executor()
    with pytest.raises(SystemCheckError, match="tenants.E001"):  # startup refuses too
        call_command("check")
