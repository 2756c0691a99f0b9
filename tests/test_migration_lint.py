"""Every migration in the tree passes django-migration-linter, or is a documented exception
(config/migration_lint.py). Migrations that cannot lock production."""

import io
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django_migration_linter import MigrationLinter
from django_migration_linter.sql_analyser import analyse_sql_statements

from config.migration_lint import EXCEPTIONS

ROOT = Path(settings.BASE_DIR).resolve()


def our_apps() -> list[str]:
    """Apps whose code lives in this repository (not in the virtualenv)."""
    return sorted(
        app.label
        for app in apps.get_app_configs()
        if Path(app.path).resolve().is_relative_to(ROOT)
        and ".venv" not in Path(app.path).resolve().relative_to(ROOT).parts
    )


def lint() -> dict[tuple[str, str], str]:
    """(app, migration) -> the linter's report, for each migration it finds erroneous."""
    linter = MigrationLinter(no_cache=True, include_apps=our_apps(), analyser_string="postgresql")
    flagged = {}
    for (app_label, name), migration in sorted(linter.migration_loader.disk_migrations.items()):
        if app_label not in linter.include_apps:
            continue
        before = linter.nb_erroneous
        out = io.StringIO()
        with redirect_stdout(out):
            linter.lint_migration(migration)
        if linter.nb_erroneous > before:
            flagged[(app_label, name)] = out.getvalue()
    assert linter.nb_total >= 18, "the linter found fewer migrations than the tree has"
    return flagged


def test_every_migration_is_backward_compatible_or_a_documented_exception(
    django_db_setup, django_db_blocker
):
    # Database access outside a test transaction: `sqlmigrate` only renders SQL, and the SQL of
    # a non-atomic migration (CREATE INDEX CONCURRENTLY) cannot be rendered inside one.
    with django_db_blocker.unblock():
        flagged = lint()
    unexplained = {key: report for key, report in flagged.items() if key not in EXCEPTIONS}
    assert not unexplained, "backward-incompatible migrations:\n" + "\n".join(unexplained.values())
    stale = set(EXCEPTIONS) - set(flagged)
    assert not stale, f"exceptions for migrations the linter no longer flags: {sorted(stale)}"
    assert all(reason.strip() for reason in EXCEPTIONS.values())


@pytest.mark.django_db
def test_the_linter_flags_what_would_break_the_running_code():
    """The guard works (else the test above proves nothing): the SQL a column drop, a rename
    and a NOT NULL column without default produce is flagged as an error."""
    linter = MigrationLinter(
        no_cache=True, include_apps=["blog"], no_output=True, analyser_string="postgresql"
    )
    for sql, code in [
        ('ALTER TABLE "blog_post" DROP COLUMN "title" CASCADE;', "DROP_COLUMN"),
        ('ALTER TABLE "blog_post" RENAME COLUMN "title" TO "name";', "RENAME_COLUMN"),
        ('ALTER TABLE "blog_post" ADD COLUMN "x" integer NOT NULL;', "NOT_NULL"),
    ]:
        errors, _ignored, _warnings = analyse_sql_statements(linter.sql_analyser_class, [sql], [])
        assert code in [e.code for e in errors], sql
