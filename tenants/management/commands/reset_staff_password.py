"""Set a new generated password for a staff account and print it (the seed prints it once)."""

import secrets

from django.core.management.base import BaseCommand, CommandError

from shared.accounts.models import User


class Command(BaseCommand):
    help = "Set a new password for a staff account (default: the one `make run` seeded)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", default="admin@quire.localhost")

    def handle(self, *args, email: str, **options) -> None:
        staff = User.objects.filter(email=email.strip().lower(), is_staff=True).first()
        if staff is None:
            raise CommandError(f"No staff account {email}.")
        password = secrets.token_urlsafe(12)
        staff.set_password(password)
        staff.save(update_fields=["password"])
        self.stdout.write(f"New password for {staff.email}: {password}")
