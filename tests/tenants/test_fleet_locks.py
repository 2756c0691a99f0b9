"""migrate_fleet never queues behind a long transaction: each schema runs under lock_timeout
and statement_timeout, and a schema whose table is locked is retried later."""

import shutil
import threading
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from tenants import fleet
from tenants.models import SchemaMigration

MIGRATION = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("blog", "{previous}")]
    operations = [{operation}]
"""
ADD_COLUMN = 'migrations.AddField("post", "lock_test", models.IntegerField(null=True))'
SLOW = 'migrations.RunSQL("SELECT pg_sleep(2)", migrations.RunSQL.noop)'


def _clear_fleet_caches() -> None:
    fleet.migration_loader.cache_clear()
    fleet.migration_keys.cache_clear()
    fleet.migration_state.cache_clear()
    fleet._STEPS.clear()


@pytest.fixture
def migration_on_blog_post(request, tmp_path, settings, monkeypatch):
    """The tree's blog migrations plus one that adds a column to blog_post (it needs an
    ACCESS EXCLUSIVE lock on the table), in a module of the test's own."""
    operation = getattr(request, "param", ADD_COLUMN)
    # A module name of its own per test: Python keeps imported migration modules by name.
    name = f"locktest_{uuid.uuid4().hex}"
    module = tmp_path / name
    module.mkdir()
    source = Path(fleet.__file__).resolve().parents[1] / "blog" / "migrations"
    for path in source.glob("*.py"):
        shutil.copy(path, module / path.name)
    previous = sorted(p.stem for p in module.glob("0*.py"))[-1]
    (module / "0999_lock_test.py").write_text(
        MIGRATION.format(previous=previous, operation=operation)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.QUIRE_MIGRATION_LOCK_TIMEOUT = "200ms"
    settings.QUIRE_MIGRATION_RETRY_BACKOFF = 0.3

    def install() -> None:
        """Make the extra migration part of the code (after the test made its blogs)."""
        settings.MIGRATION_MODULES = {"blog": name}
        _clear_fleet_caches()

    yield install
    _clear_fleet_caches()


@pytest.fixture
def reader_transaction():
    """Another connection in the middle of a transaction that read blog_post (it holds the
    table's ACCESS SHARE lock until it ends), as a long report or export would."""
    params = connection.settings_dict
    other = psycopg2.connect(
        host=params["HOST"], port=params["PORT"], user=params["USER"],
        password=params["PASSWORD"], dbname=params["NAME"],
    )  # fmt: skip

    def hold(schema_name: str) -> None:
        with other.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{schema_name}".blog_post')  # noqa: S608

    yield hold, other
    other.close()


def has_lock_test_column(schema_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = 'blog_post' AND column_name = 'lock_test'",
            [schema_name],
        )
        return cursor.fetchone() is not None


def _release_when_migrated(holder, schema_name: str, *, backstop: float) -> dict:
    """In a thread: end the reader's transaction once `schema_name` has its new column (seen
    from a connection of its own), or after `backstop` seconds whatever happens, so that a
    migration that waits on the lock shows up as a failed assertion, not a hang."""
    params = connection.settings_dict
    seen: dict = {}

    def watch() -> None:
        watcher = psycopg2.connect(
            host=params["HOST"], port=params["PORT"], user=params["USER"],
            password=params["PASSWORD"], dbname=params["NAME"],
        )  # fmt: skip
        watcher.autocommit = True
        deadline = time.monotonic() + backstop
        try:
            with watcher.cursor() as cursor:
                while time.monotonic() < deadline:
                    cursor.execute(
                        "SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
                        "AND table_name = 'blog_post' AND column_name = 'lock_test'",
                        [schema_name],
                    )
                    if cursor.fetchone():
                        seen["migrated_at"] = time.monotonic()
                        break
                    time.sleep(0.05)
        finally:
            watcher.close()
            holder.rollback()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    seen["thread"] = thread
    return seen


def test_a_locked_table_times_out_fast_is_retried_and_migrated_once_released(
    transactional_db, make_blog, migration_on_blog_post, reader_transaction, settings
):
    settings.QUIRE_MIGRATION_LOCK_TRIES = 5
    blog, other = make_blog("lockeda"), make_blog("lockedb")
    migration_on_blog_post()
    fleet.migration_loader()  # read the graph now, so that the clock below times the lock only
    hold, holder = reader_transaction
    hold(blog.schema_name)
    started = time.monotonic()
    # The locked blog comes first in the batch; the other blog can only be migrated before it
    # if the locked one gave up. Once the other is done, the reader's transaction ends.
    seen = _release_when_migrated(holder, other.schema_name, backstop=15)
    outcomes = fleet.schemas_migrate([blog.schema_name, other.schema_name], run_id="locks")
    elapsed = time.monotonic() - started
    seen["thread"].join(20)

    assert "migrated_at" in seen, "the locked schema was waited on, not timed out"
    assert seen["migrated_at"] - started < 5  # the locked one gave up after ~200 ms
    assert [(o.schema_name, o.status, o.applied) for o in outcomes] == [
        (blog.schema_name, "done", 1),
        (other.schema_name, "done", 1),
    ]
    row = SchemaMigration.objects.get(schema_name=blog.schema_name)
    assert row.status == "done"
    assert row.error.startswith("migrated after ") and "lock timeout" in row.error
    assert SchemaMigration.objects.get(schema_name=other.schema_name).error == ""
    assert has_lock_test_column(blog.schema_name) and has_lock_test_column(other.schema_name)
    assert elapsed < 10


def test_a_lock_never_released_fails_that_schema_only_after_its_tries(
    transactional_db, make_blog, migration_on_blog_post, reader_transaction, settings
):
    settings.QUIRE_MIGRATION_LOCK_TRIES = 2
    blog = make_blog("lockedc")
    migration_on_blog_post()
    hold, holder = reader_transaction
    hold(blog.schema_name)
    started = time.monotonic()
    (outcome,) = fleet.schemas_migrate([blog.schema_name], run_id="locks")
    assert time.monotonic() - started < 5  # 2 x 200 ms and one 300 ms pause, not forever
    holder.rollback()
    assert outcome.status == "failed"
    assert "lock timeout on 2 tries" in outcome.error
    assert not has_lock_test_column(blog.schema_name)
    # A later run (the lock gone) brings it up to date.
    assert fleet.schema_migrate(blog.schema_name, run_id="again").status == "done"
    assert has_lock_test_column(blog.schema_name)


@pytest.mark.parametrize("migration_on_blog_post", [SLOW], indirect=True)
def test_a_statement_that_runs_too_long_is_stopped_and_not_retried(
    transactional_db, make_blog, migration_on_blog_post, settings
):
    settings.QUIRE_MIGRATION_STATEMENT_TIMEOUT = "300ms"
    blog = make_blog("lockedd")
    migration_on_blog_post()
    started = time.monotonic()
    (outcome,) = fleet.schemas_migrate([blog.schema_name], run_id="slow")
    assert (outcome.status, outcome.applied) == ("failed", 0), outcome
    assert time.monotonic() - started < 1.5
    assert "statement timeout" in outcome.error
    with connection.cursor() as cursor:  # SET LOCAL: nothing lingers on the connection
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
