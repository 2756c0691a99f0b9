"""Make (or reuse) blogs front0 .. front<N-1>, each with a few posts. Run via bench/front."""

import sys
import time

from allauth.account.models import EmailAddress
from django.db import connection, transaction

from blog import services as blog_services
from shared.accounts.models import User
from tenants import services
from tenants.context import tenant_context
from tenants.models import Tenant


def seed(count: int) -> None:
    owner = User.objects.filter(email="front@example.org").first() or User.objects.create_user(
        email="front@example.org", password="front-password-1"
    )
    EmailAddress.objects.get_or_create(
        user=owner, email=owner.email, defaults={"verified": True, "primary": True}
    )
    have = set(
        Tenant.objects.filter(subdomain__startswith="front").values_list("subdomain", flat=True)
    )
    started = time.monotonic()
    for n in range(count):
        subdomain = f"front{n}"
        if subdomain in have:
            continue
        with transaction.atomic():
            tenant = services.tenant_provision(subdomain=subdomain, name=f"Front {n}", owner=owner)
            with tenant_context(tenant):
                for p in range(2):
                    blog_services.post_create(
                        tenant=tenant, author=owner, title=f"Post {p} of blog {n}",
                        body=f"Some *Markdown* for post {p} of blog {n}.", action="publish",
                    )  # fmt: skip
        connection.close()  # the seeding connection would otherwise hold every schema's caches
        if n % 100 == 99:
            print(
                f"  {n + 1} blogs ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True
            )
