import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name

from lib.queue import enqueue
from tenants import dispatch, fleet, schemas
from tenants.models import SchemaMigration
from tenants.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Migrate the public schema, then every blog schema (and the template and spare "
        "schemas) through Celery workers. Schemas recorded as brought up to the code's "
        "migrations are skipped without being read (--verify reads them all); one schema's "
        "failure never stops the others; exits non-zero if any schema failed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--inline",
            action="store_true",
            help="migrate in this process instead of through workers (bootstrap, no worker)",
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="check every schema's django_migrations, not only those not recorded as up "
            "to date (after changing schemas by hand)",
        )
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument(
            "--stall-timeout",
            type=float,
            default=300,
            help="give up when no schema finishes for this many seconds (are workers running?)",
        )

    def handle(
        self,
        *args,
        inline: bool,
        verify: bool,
        batch_size: int | None,
        stall_timeout: float,
        **opts,
    ):
        started = time.monotonic()
        verbosity = opts["verbosity"]
        # The public schema first, when it misses a migration of the code: one query, rather
        # than Django's migrate (its checks, introspection and post-migrate signals cost seconds
        # on a catalog holding 10,000 blogs' tables).
        if verify or fleet.schemas_needing_migration([get_public_schema_name()]):
            call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        if not schemas.schema_exists(settings.QUIRE_TEMPLATE_SCHEMA):
            schemas.template_ensure()
        names = fleet.fleet_schema_names()
        run_id, need = fleet.fleet_plan(names, verify=verify)
        total = len(names)
        if verbosity:
            self.stdout.write(
                f"public schema migrated; {len(need)} of {total} schemas need migrations"
            )
        attempted: set[str] = set()
        size = batch_size or settings.QUIRE_FLEET_BATCH_SIZE
        while need:
            self._round(need, run_id, size=size, inline=inline, stall_timeout=stall_timeout)
            attempted |= set(need)
            # Blogs created while this ran may come from a template that was still behind.
            # (Later rounds trust the fingerprints: the first one recorded or migrated all.)
            names = [n for n in fleet.fleet_schema_names() if n not in attempted]
            run_id, need = fleet.fleet_plan(names, run_id=run_id)
        self._summary(run_id, len(fleet.fleet_schema_names()), started)

    def _round(
        self, need: list[str], run_id: str, *, size: int, inline: bool, stall_timeout: float
    ) -> None:
        bar = ProgressBar(len(need), label="migrating")
        if inline:
            done = 0
            for batch in fleet.schema_batches(need, size):
                fleet.schemas_migrate(batch, run_id=run_id)
                done += len(batch)
                bar.update(done)
        else:
            for batch in fleet.schema_batches(need, size):
                if not enqueue(dispatch.MIGRATE_BATCH, batch, run_id, schema_name="public"):
                    raise CommandError(
                        "Could not queue the migrations: is the broker (Redis) up? "
                        "Run again to resume, or use --inline."
                    )
            self._wait(run_id, need, bar, stall_timeout)
        bar.close()

    def _wait(self, run_id: str, names: list[str], bar: ProgressBar, stall_timeout: float):
        count, finished, last_change = len(names), 0, time.monotonic()
        while finished < count:
            progress = fleet.fleet_progress(run_id, names)
            now_finished = progress.get("done", 0) + progress.get("failed", 0)
            if now_finished != finished:
                finished, last_change = now_finished, time.monotonic()
            failed = progress.get("failed", 0)
            bar.update(finished, note=f"{failed} failed" if failed else "")
            if time.monotonic() - last_change > stall_timeout:
                raise CommandError(
                    f"No schema finished for {stall_timeout:.0f}s ({finished}/{count} done). "
                    "Is a Celery worker consuming the 'migrations' queue? Run again to resume, "
                    "or use --inline."
                )
            time.sleep(0.1)

    def _summary(self, run_id: str, total: int, started: float) -> None:
        progress = fleet.fleet_progress(run_id)
        done, failed = progress.get("done", 0), progress.get("failed", 0)
        self.stdout.write(
            f"{total} schemas: {done} migrated, {failed} failed, "
            f"{total - done - failed} already up to date ({time.monotonic() - started:.1f}s)"
        )
        if failed:
            for row in SchemaMigration.objects.filter(run_id=run_id, status="failed")[:20]:
                self.stderr.write(f"  {row.schema_name}: {row.error.splitlines()[0][:200]}")
            raise CommandError(
                f"{failed} schema(s) failed; see the platform admin (Schema migrations). "
                "Fix the cause and run migrate_fleet again: only what failed is retried."
            )
