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
    unapplied = unapply_newest_blog_migration(blog.schema_name)
    assert unapplied >= 1 and leaf[1] not in applied_blog_migrations(blog.schema_name)

    outcome = fleet.schema_migrate(blog.schema_name, run_id="r1")
    assert (outcome.status, outcome.applied) == ("done", unapplied)
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
    assert fleet.schemas_needing_migration(["public"]) == []  # so migrate --shared was skipped
    assert not SchemaMigration.objects.exclude(status="done").exists()
    assert not SchemaMigration.objects.exclude(run_id="checked").exists()  # none migrated


def states():
    return dict(SchemaMigration.objects.values_list("schema_name", "migration_state"))


def test_up_to_date_schemas_are_skipped_without_reading_them_and_verify_reads_them(make_blog):
    alpha, bravo = make_blog("alpha"), make_blog("bravo")
    # Provisioning records the fingerprint of the migrations the schema was made at.
    assert states()[alpha.schema_name] == fleet.migration_state()
    call_command("migrate_fleet", "--inline", stdout=StringIO(), stderr=StringIO())
    assert fleet.schemas_unrecorded(fleet.fleet_schema_names()) == []  # template recorded too

    # Changed by hand behind the record's back: the default run trusts the record and does not
    # read the schema (were it read, the missing migration would be found).
    unapply_newest_blog_migration(bravo.schema_name, forget_state=False)
    assert fleet.schemas_needing_migration([bravo.schema_name]) == [bravo.schema_name]
    out = StringIO()
    call_command("migrate_fleet", "--inline", stdout=out, stderr=StringIO())
    assert "0 of 3 schemas need migrations" in out.getvalue()
    assert fleet.schemas_needing_migration([bravo.schema_name]) == [bravo.schema_name]

    out = StringIO()
    call_command("migrate_fleet", "--inline", "--verify", stdout=out, stderr=StringIO())
    assert "1 of 3 schemas need migrations" in out.getvalue()
    assert "1 migrated, 0 failed" in out.getvalue()
    assert fleet.schemas_needing_migration(fleet.fleet_schema_names()) == []
    assert SchemaMigration.objects.get(schema_name=alpha.schema_name).run_id == "checked"


def test_a_failed_schema_is_never_skipped_and_is_retried(make_blog):
    bad = make_blog("bad")
    unapply_newest_blog_migration(bad.schema_name)
    break_schema(bad.schema_name)
    with pytest.raises(CommandError, match="1 schema\\(s\\) failed"):
        call_command("migrate_fleet", "--inline", stdout=StringIO(), stderr=StringIO())
    row = SchemaMigration.objects.get(schema_name=bad.schema_name)
    assert (row.status, row.migration_state) == ("failed", "")
    assert fleet.schemas_unrecorded(fleet.fleet_schema_names()) == [bad.schema_name]

    # Even a failed row that somehow kept the current fingerprint is not skipped.
    SchemaMigration.objects.filter(pk=row.pk).update(migration_state=fleet.migration_state())
    assert fleet.schemas_unrecorded([bad.schema_name]) == [bad.schema_name]
    mend_schema(bad.schema_name)
    out = StringIO()
    call_command("migrate_fleet", "--inline", stdout=out, stderr=StringIO())
    assert "1 of 2 schemas need migrations" in out.getvalue()
    assert "1 migrated, 0 failed" in out.getvalue()
    row.refresh_from_db()
    assert (row.status, row.migration_state) == ("done", fleet.migration_state())


NEW_MIGRATION = """
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("blog", "{parent}")]
    operations = [migrations.RunSQL("SELECT 1", migrations.RunSQL.noop)]
"""


@pytest.fixture
def code_with_a_new_blog_migration(tmp_path, monkeypatch):
    """The tree's blog migrations plus one more, as after a deploy (a module of their own)."""
    import shutil
    from pathlib import Path

    import blog

    module = tmp_path / "fleet_new_blog_migrations"
    module.mkdir()
    for path in (Path(blog.__file__).parent / "migrations").glob("*.py"):
        shutil.copy(path, module / path.name)
    leaf, _parent = blog_leaf_and_parent()
    (module / "9999_fleet_test.py").write_text(NEW_MIGRATION.format(parent=leaf[1]))
    monkeypatch.syspath_prepend(str(tmp_path))

    def reload():
        for cached in (fleet.migration_loader, fleet.migration_keys, fleet.migration_state):
            cached.cache_clear()
        fleet._STEPS.clear()

    from django.test import override_settings

    with override_settings(MIGRATION_MODULES={"blog": "fleet_new_blog_migrations"}):
        reload()
        yield
    reload()


def test_recorded_schemas_are_migrated_after_a_new_migration(make_blog, request):
    blog = make_blog("alpha")
    call_command("migrate_fleet", "--inline", stdout=StringIO(), stderr=StringIO())
    before = fleet.migration_state()
    assert set(states().values()) == {before}

    request.getfixturevalue("code_with_a_new_blog_migration")
    assert fleet.migration_state() != before
    out = StringIO()
    call_command("migrate_fleet", "--inline", stdout=out, stderr=StringIO())
    assert "2 of 2 schemas need migrations" in out.getvalue()  # the template and the blog
    assert "9999_fleet_test" in applied_blog_migrations(blog.schema_name)
    assert set(states().values()) == {fleet.migration_state()}
    out = StringIO()
    call_command("migrate_fleet", "--inline", stdout=out, stderr=StringIO())
    assert "0 of 2 schemas need migrations" in out.getvalue()


def test_failed_migrations_are_shown_to_staff(make_blog, password):
    bad = make_blog("bad")
    unapply_newest_blog_migration(bad.schema_name)
    break_schema(bad.schema_name)
    fleet.schema_migrate(bad.schema_name, run_id="r1")
    from tests.support.console import staff_client  # staff log in with two-factor

    client = staff_client(password)
    page = client.get("/admin/tenants/schemamigration/", {"status": "failed"})
    assert page.status_code == 200
    assert bad.schema_name in page.content.decode()
