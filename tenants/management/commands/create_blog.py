from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from shared.accounts import services as account_services
from shared.accounts.models import User
from tenants import selectors, services


class Command(BaseCommand):
    help = "Create a blog for an owner (the owner's account is created when it does not exist)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("subdomain")
        parser.add_argument("--name", required=True, help="the blog's name")
        parser.add_argument("--owner", required=True, help="the owner's email")

    def handle(self, *args, subdomain: str, name: str, owner: str, **options) -> None:
        email = owner.strip().lower()
        try:
            with transaction.atomic():
                user = User.objects.filter(email=email).first()
                new_user = user is None
                if new_user:
                    user = account_services.user_create(email=email, password=None)
                tenant = services.tenant_provision(
                    subdomain=subdomain, name=name, owner=user, allow_reserved=True
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except services.SubdomainTaken as exc:
            raise CommandError(f"{exc}: choose another subdomain.") from exc
        url = selectors.tenant_url(tenant=tenant, path="/")
        self.stdout.write(self.style.SUCCESS(f"Created blog '{tenant.name}' at {url}"))
        if new_user:
            reset = account_services.password_reset_url(
                user=user, base=selectors.tenant_url(tenant=tenant, path="")
            )
            self.stdout.write(f"Created account {email}. Set its password here: {reset}")
