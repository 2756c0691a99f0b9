"""Making blogs for people: at signup (through allauth) and from "My blogs" -> New blog."""

from django.conf import settings
from django.db import transaction

from shared.accounts.models import Membership, User
from shared.billing import plans
from shared.billing.exceptions import LimitReached
from tenants import services as tenant_services
from tenants.models import Tenant


def signup_blog_create(*, owner: User, name: str, subdomain: str) -> Tenant:
    """The first blog of someone who just signed up (called by the signup form, inside the
    signup's transaction). Raises SubdomainTaken when a concurrent signup won."""
    return tenant_services.tenant_provision(subdomain=subdomain, name=name, owner=owner)


def blog_create(*, owner: User, name: str, subdomain: str) -> Tenant:
    """A new blog owned by `owner`, through the one provisioning service, on the Free plan.

    A person may own `QUIRE_FREE_BLOGS_PER_ACCOUNT` blogs on the Free plan (blogs on a paid
    plan do not count). Raises LimitReached past that, tenants.services.SubdomainTaken when
    the subdomain went meanwhile, ValidationError for a bad subdomain.
    """
    with transaction.atomic():
        # One at a time per person, so two tabs cannot both pass the count.
        User.objects.select_for_update().filter(pk=owner.pk).first()
        free_owned = (
            Membership.objects.filter(
                user=owner,
                role=Membership.Role.OWNER,
                tenant__deleted_at__isnull=True,
                tenant__subscription__plan__code=plans.FREE,
            )
            .distinct()
            .count()
        )
        limit = settings.QUIRE_FREE_BLOGS_PER_ACCOUNT
        if free_owned >= limit:
            raise LimitReached(
                f"You own {free_owned} blogs on the Free plan, the most one account may have. "
                "Upgrade one of them to start another.",
                upgrade_url="/blogs/",
            )
        return tenant_services.tenant_provision(subdomain=subdomain, name=name, owner=owner)
