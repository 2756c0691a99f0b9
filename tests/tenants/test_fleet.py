from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tenants import fleet
from tenants.models import SchemaMigration
from tests.tenants.fleet_helpers import (
    blog_leaf_and_parent,
    break_schema,
    mend_schema,
    schema_shape,
    unapply_newest_blog_migration,
)


def applied_blog_migrations(schema_name):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT name FROM "{schema_name}".django_migrations WHERE app = %s',  # noqa: S608
            ["blog"],
        )
        return {row[0] for row in cursor.fetchall()}


def test_one_pass_finds_exactly_the_schemas_that_are_behind(make_blog):
    alpha, bravo, charlie = make_blog("alpha"), make_blog("bravo"), make_blog("charlie")
    assert fleet.schemas_needing_migration(fleet.fleet_schema_names()) == []
    unapply_newest_blog_migration(bravo.schema_name)
    names = fleet.fleet_schema_names() + ["t_doesnotexist"]
    assert fleet.schemas_needing_migration(names) == [bravo.schema_name, "t_doesnotexist"]
    assert alpha.schema_name in names and charlie.schema_name in names


def test_schema_migrate_applies_what_is_missing_and_records_it(make_blog):
    blog = make_blog("alpha")
    leaf, _ = blog_leaf_and_parent()
    unapply_newest_blog_migration(blog.schema_name)
    assert leaf[1] not in applied_blog_migrations(blog.schema_name)

    outcome = fleet.schema_migrate(blog.schema_name, run_id="r1")
    assert (outcome.status, outcome.applied) == ("done", 1)
    assert leaf[1] in applied_blog_migrations(blog.schema_name)
    # The fast path (model states reused across schemas) builds what Django's own did.
    assert schema_shape(blog.schema_name) == schema_shape("t_template")
    row = SchemaMigration.objects.get(schema_name=blog.schema_name)
    assert (row.status, row.tenant_id, row.run_id) == ("done", blog.id, "r1")
    assert row.duration_ms is not None

    again = fleet.schema_migrate(blog.schema_name, run_id="r2")  # idempotent
    assert (again.status, again.applied) == ("done", 0)


def test_one_failure_does_not_stop_the_others_and_a_rerun_retries_only_it(make_blog):
    good, bad = make_blog("good"), make_blog("bad")
    for blog in (good, bad):
        unapply_newest_blog_migration(blog.schema_name)
    break_schema(bad.schema_name)
    fleet._STEPS.clear()  # the failing schema may come first: it must not spoil the cache

    with pytest.raises(CommandError, match="1 schema\\(s\\) failed"):
        call_command("migrate_fleet", "--inline", stdout=StringIO(), stderr=StringIO())
    statuses = dict(SchemaMigration.objects.values_list("schema_name", "status"))
    assert statuses[good.schema_name] == "done"
    assert statuses[bad.schema_name] == "failed"
    error = SchemaMigration.objects.get(schema_name=bad.schema_name).error
    assert "blog_post" in error or "broken_for_test" in error  # see break_schema

    mend_schema(bad.schema_name)
    out = StringIO()
    call_command("migrate_fleet", "--inline", stdout=out, stderr=StringIO())
    assert "1 migrated, 0 failed" in out.getvalue()
    assert SchemaMigration.objects.get(schema_name=bad.schema_name).status == "done"
    assert fleet.schemas_needing_migration(fleet.fleet_schema_names()) == []
    assert schema_shape(bad.schema_name) == schema_shape(good.schema_name)


def test_up_to_date_fleet_does_nothing(make_blog):
    make_blog("alpha")
    out = StringIO()
    call_command("migrate_fleet", "--inline", stdout=out, stderr=StringIO())
    assert "0 of 2 schemas need migrations" in out.getvalue()
    assert not SchemaMigration.objects.exists()


def test_failed_migrations_are_shown_to_staff(make_blog, password):
    bad = make_blog("bad")
    unapply_newest_blog_migration(bad.schema_name)
    break_schema(bad.schema_name)
    fleet.schema_migrate(bad.schema_name, run_id="r1")
    from tests.tenants.test_admin import staff_client  # staff log in with two-factor

    client = staff_client(password)
    page = client.get("/admin/tenants/schemamigration/", {"status": "failed"})
    assert page.status_code == 200
    assert bad.schema_name in page.content.decode()
