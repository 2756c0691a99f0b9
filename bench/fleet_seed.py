"""Grow a bench database to N blogs `fleet0..fleet<N-1>` through the provisioning service.

Run by `bench/fleet.py seed` (one process per job, Django already set up). Each blog is made by
`tenants.services.tenant_provision` (the signup path: a spare from the pool or an inline clone
of the template) plus two published posts by `blog.services.post_create`, so the schemas are
the ones real signups make. Resumable: blogs that exist are skipped, so running it again tops
the database up. Job `j` of `k` makes the blogs whose number is `j` modulo `k`.

Bench-only shortcuts, none of which changes what ends up in the database:
- `synchronous_commit = off` for the seeding sessions (no wait for the WAL flush per commit);
- `batch` blogs per transaction (one commit per batch; a failure loses only that batch);
- the connection is closed every few hundred blogs (a backend that touched thousands of
  schemas holds their catalog caches: the very memory problem this bench measures).
"""

from allauth.account.models import EmailAddress
from django.db import connection, transaction
from django.db.backends.signals import connection_created

from blog import services as blog_services
from shared.accounts.models import User
from tenants import services
from tenants.context import tenant_context
from tenants.models import Tenant

OWNER = "fleet@example.org"


def _fast_commits(sender, connection, **kwargs) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")


def owner_get() -> User:
    owner = User.objects.filter(email=OWNER).first() or User.objects.create_user(
        email=OWNER, password="fleet-password-1"
    )
    EmailAddress.objects.get_or_create(
        user=owner, email=owner.email, defaults={"verified": True, "primary": True}
    )
    return owner


def blog_make(n: int, owner: User) -> None:
    tenant = services.tenant_provision(subdomain=f"fleet{n}", name=f"Fleet {n}", owner=owner)
    with tenant_context(tenant):
        for p in range(2):
            blog_services.post_create(
                tenant=tenant, author=owner, title=f"Post {p} of blog {n}",
                body=f"Some *Markdown* for post {p} of blog {n}.", tags="fleet, bench",
                action="publish",
            )  # fmt: skip


def seed(count: int, *, job: int = 0, jobs: int = 1, batch: int = 20) -> None:
    connection_created.connect(_fast_commits)
    connection.close()
    owner = owner_get()
    have = set(
        Tenant.objects.filter(subdomain__startswith="fleet").values_list("subdomain", flat=True)
    )
    todo = [n for n in range(job, count, jobs) if f"fleet{n}" not in have]
    done = 0
    for i in range(0, len(todo), batch):
        chunk = todo[i : i + batch]
        with transaction.atomic():
            for n in chunk:
                blog_make(n, owner)
        done += len(chunk)
        if done % 200 < batch:
            connection.close()
