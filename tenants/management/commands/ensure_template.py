from django.core.management.base import BaseCommand

from tenants import schemas


class Command(BaseCommand):
    help = "Create the template schema new blogs are cloned from, and migrate it (idempotent)."

    def handle(self, *args, **options) -> None:
        schemas.template_ensure(verbosity=max(0, options["verbosity"] - 1))
        self.stdout.write(self.style.SUCCESS("template schema is up to date"))
