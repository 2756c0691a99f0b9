"""Signup: one person, one new blog, in one transaction."""

from django.db import IntegrityError, transaction

from shared.accounts import services as account_services
from shared.accounts.models import User
from shared.errors import Conflict
from tenants import services as tenant_services
from tenants.models import Tenant


class EmailTaken(Conflict):
    pass


def signup_create_blog(
    *, blog_name: str, subdomain: str, email: str, password: str
) -> tuple[User, Tenant]:
    """Create the account and its blog. Any failure leaves nothing behind.

    Raises tenants.services.SubdomainTaken or EmailTaken when a concurrent signup won.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                user = account_services.user_create(email=email, password=password)
        except IntegrityError as exc:
            raise EmailTaken(email) from exc
        tenant = tenant_services.tenant_provision(subdomain=subdomain, name=blog_name, owner=user)
    return user, tenant
