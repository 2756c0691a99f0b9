from django.core.management.base import BaseCommand

from tenants import pool


class Command(BaseCommand):
    help = "Fill the pool of spare blog schemas now (workers also do it after signups)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--size", type=int, default=None, help="default: settings")

    def handle(self, *args, size: int | None, **options) -> None:
        made = pool.pool_fill(target=size)
        self.stdout.write(f"made {made} spare schema(s); {pool.pool_size()} ready")
