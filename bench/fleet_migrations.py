"""Fleet migrations: Quire's `migrate_fleet` against django-tenants' own
`migrate_schemas --executor=multiprocessing`, on the same 1,000 blogs, in the same run.

    .venv/bin/python bench/fleet_migrations.py [--tenants 1000]

1. makes a throw-away database with N blogs (cloned from the template, not timed);
2. adds one additive migration to a tenant app, and times both commands applying it
   (Quire with 2 Celery worker processes, django-tenants with 2 pool processes);
3. times both again with nothing to apply.
Targets: >= 5x faster than the multiprocessing executor with one migration to apply, and
under 5 s in all for 1,000 up-to-date blogs.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchEnv, print_table, progress  # noqa: E402


def provision(count: int) -> list[str]:
    from shared.accounts.models import User
    from tenants import services

    owner = User.objects.create_user(email="bench@example.org", password=None)
    names = []
    for i in range(count):
        tenant = services.tenant_provision(subdomain=f"bench-{i:05d}", name="B", owner=owner)
        names.append(tenant.schema_name)
        if i % 25 == 0 or i == count - 1:
            progress("provisioning blogs", i + 1, count)
    return names


def unapply(names: list[str], migration: str, column: str) -> None:
    """Put every blog back where it was before the new migration (for the second contender)."""
    from django.db import connection

    statements = []
    for name in names:
        statements.append(f'ALTER TABLE "{name}".benchapp_note DROP COLUMN {column}')
        statements.append(
            f"DELETE FROM \"{name}\".django_migrations WHERE app = 'benchapp' "  # noqa: S608
            f"AND name = '{migration}'"
        )
    with connection.cursor() as cursor:
        cursor.execute(";".join(statements))


def columns_everywhere(names: list[str], column: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = ANY(%s) "
            "AND table_name = 'benchapp_note' AND column_name = %s",
            [names, column],
        )
        return cursor.fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=1000)
    args = parser.parse_args()

    env = BenchEnv("fleet", redis_db=7)
    try:
        env.reset_database()
        env.add_migration()
        env.activate()
        env.manage("migrate_schemas", "--shared", "--noinput")
        env.manage("ensure_template")
        names = provision(args.tenants)

        migration = env.add_migration()
        column = f"extra_{env.migration_count}"
        print(f"added migration benchapp.{migration}; timing...", file=sys.stderr)
        with env.workers(queues="migrations", concurrency=2):
            quire_apply = env.manage("migrate_fleet")
            assert columns_everywhere(names, column) == len(names)
            quire_noop = env.manage("migrate_fleet")

        unapply(names, migration, column)
        assert columns_everywhere(names, column) == 0
        stock_apply = env.manage("migrate_schemas", "--executor=multiprocessing", "--noinput")
        assert columns_everywhere(names, column) == len(names)
        stock_noop = env.manage("migrate_schemas", "--executor=multiprocessing", "--noinput")
    finally:
        env.cleanup()

    rows = [
        ["one migration to apply", f"{quire_apply:.1f} s", f"{stock_apply:.1f} s",
         f"{stock_apply / quire_apply:.1f}x"],
        ["nothing to apply", f"{quire_noop:.1f} s", f"{stock_noop:.1f} s",
         f"{stock_noop / quire_noop:.1f}x"],
    ]  # fmt: skip
    print_table(
        f"Fleet migrations, {args.tenants} blogs, 2 cores (wall time of the whole command)",
        ["case", "quire migrate_fleet", "django-tenants multiprocessing", "speed-up"],
        rows,
    )
    ok_apply = stock_apply / quire_apply >= 5
    ok_noop = quire_noop < 5
    print(f"\ntarget >= 5x with one migration: {'met' if ok_apply else 'NOT met'}")
    print(f"target < 5 s for up-to-date blogs: {'met' if ok_noop else 'NOT met'}")


if __name__ == "__main__":
    main()
