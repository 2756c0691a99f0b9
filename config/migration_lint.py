"""Migrations that `django-migration-linter` flags and that are allowed anyway, each with its
reason (tests/test_migration_lint.py runs the linter over every migration in `make test`).

A flagged operation locks or breaks the running code during a deploy (a column dropped or
renamed while the old code still reads it, NOT NULL without a default on a filled table, an
index built without CONCURRENTLY on a big table). Add an entry only with the reason it is safe
here, e.g. the table was empty when the migration shipped; the test fails for an entry whose
migration no longer exists or no longer needs it.
"""

# (app label, migration name): why this backward-incompatible migration is acceptable.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("accounts", "0003_session_generation_time_zone"): (
        "Shipped and applied everywhere before the linter came in, so no code that "
        "lacks these columns runs any more. The NOT NULL column has a default while it is "
        "added (PostgreSQL 11+: no table rewrite); new NOT NULL columns use `db_default` so "
        "that the previous release's INSERTs keep working during a deploy."
    ),
}
