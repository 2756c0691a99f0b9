"""The data of bench/memberships.py, made with the ORM and the real services inside
`tenant_context` (in the bench's process, after `django.setup()`), and the reconcile run
in a process of its own (`python -m bench.memberships_seed reconcile SCHEMA [--profile]`),
as the Celery task runs it, against the local Stripe served by the bench's process.

Blogs (kept in the database and re-seeded in place):
  paidon     paid tiers on: a connected account, 3 tiers with prices, 20 posts (14 for paying
             members, 4 for chosen tiers, 2 public), 200 paying members
  paidoff    paid tiers off: no account, no tiers, the same 20 posts, all public
  hooks      the webhook target: a connected account, a tier and price, N readers
  reconcile  a connected account on the local Stripe, a tier, 10,000 subscriptions there
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from datetime import UTC, datetime, timedelta

POSTS = 20
PAID_POSTS, TIER_POSTS = 14, 4  # the rest are public
PAYING = 200
OWNER_EMAIL = "memberships-bench@example.org"
BODY_PUBLIC = "\n\n".join(
    f"Paragraph {i}: the open part of a post of ordinary length, **some** words and a "
    f"[link](/x/{i}/)." for i in range(4)
)  # fmt: skip
BODY_GATED = "\n\n".join(
    f"Paragraph {i}: the part for members, as long as the rest, with *emphasis* and a list:"
    f"\n\n- one\n- two" for i in range(4, 10)
)  # fmt: skip
BODY = f"{BODY_PUBLIC}\n\n<!--members-only-->\n\n{BODY_GATED}"


def _owner():
    from allauth.account.models import EmailAddress

    from shared.accounts.models import User

    owner = User.objects.filter(email=OWNER_EMAIL).first()
    if owner is None:
        owner = User.objects.create_user(email=OWNER_EMAIL, password="x-bench-memberships-1")
        EmailAddress.objects.create(user=owner, email=owner.email, primary=True, verified=True)
    return owner


def _blog(subdomain: str, name: str):
    from django.db import transaction

    from tenants import services as tenant_services
    from tenants.models import Tenant

    tenant = Tenant.objects.filter(subdomain=subdomain).first()
    if tenant is None:
        with transaction.atomic():
            tenant = tenant_services.tenant_provision(
                subdomain=subdomain, name=name, owner=_owner()
            )
    return tenant


def _account(tenant, account_id: str) -> None:
    from django.db import connection
    from django.utils import timezone

    from shared.billing.models import ConnectedAccount

    connection.set_schema_to_public()
    ConnectedAccount.objects.update_or_create(
        tenant=tenant,
        defaults={"account_id": account_id, "charges_enabled": True,
                  "connected_at": timezone.now(), "disconnected_at": None},
    )  # fmt: skip


def _tier(name: str, amount: int, price_id: str, account_id: str, position: int):
    from memberships.models import Tier, TierPrice

    tier = Tier.objects.filter(name=name).first()
    if tier is None:
        tier = Tier.objects.create(
            name=name, monthly_amount=amount, yearly_amount=amount * 10, position=position,
            benefits=["Every post", "The private feed"], stripe_account=account_id,
        )  # fmt: skip
    TierPrice.objects.get_or_create(
        stripe_price_id=price_id,
        defaults={"tier": tier, "interval": "month", "amount": amount, "currency": "usd",
                  "stripe_account": account_id},
    )  # fmt: skip
    return tier


def _readers(prefix: str, count: int) -> list:
    """`count` confirmed subscribers `<prefix>NNNNN@readers.example`, oldest first."""
    from django.utils import timezone

    from audience.models import Subscriber

    domain = f"@{prefix}.readers.example"
    have = set(Subscriber.objects.filter(email__endswith=domain).values_list("email", flat=True))
    wanted = [f"r{i:05}{domain}" for i in range(count)]
    Subscriber.objects.bulk_create(
        [Subscriber(email=e, status="confirmed", source="member", confirmed_at=timezone.now())
         for e in wanted if e not in have],
        batch_size=2000,
    )  # fmt: skip
    return list(Subscriber.objects.filter(email__in=wanted).order_by("email"))


def _posts(tenant, *, gated: bool, tiers: list[int]) -> list:
    from blog import services as blog_services
    from blog.models import Post

    out = []
    for n in range(POSTS):
        slug = f"letter-{n:02}"
        post = Post.objects.filter(slug=slug).first()
        visibility, access = "public", None
        if gated and n < PAID_POSTS:
            visibility = "paid"
        elif gated and n < PAID_POSTS + TIER_POSTS:
            visibility, access = "tiers", tiers
        if post is None:
            post = blog_services.post_create(
                tenant=tenant, author=_owner(), title=f"Letter {n:02}", body=BODY,
                action="publish", slug=slug, visibility=visibility, access_tiers=access,
            )  # fmt: skip
        out.append(post)
    return out


def member_cookie(schema: str, subscriber_id: int) -> str:
    """The `quire_member` cookie audience.members sets when the reader signs in."""
    from django.core import signing

    return signing.dumps(subscriber_id, salt=f"audience.member.cookie:{schema}")


def front_seed() -> dict:
    """paidon and paidoff: the reading parts (1 and 2)."""
    from django.utils import timezone

    from memberships.models import ReaderMembership
    from tenants.context import tenant_context

    on, off = _blog("paidon", "Paid tiers on"), _blog("paidoff", "Paid tiers off")
    _account(on, "acct_bench_paidon")
    with tenant_context(on):
        names = (("Reader", 500), ("Patron", 1500), ("Circle", 5000))
        tiers = [
            _tier(name, amount, f"price_bench_paidon_{n}", "acct_bench_paidon", n)
            for n, (name, amount) in enumerate(names)
        ]
        on_posts = _posts(on, gated=True, tiers=[tiers[1].id, tiers[2].id])
        readers = _readers("paidon", PAYING + 20)
        period_end = timezone.now() + timedelta(days=20)
        for n, reader in enumerate(readers[:PAYING]):
            tier = tiers[n % 3]
            ReaderMembership.objects.update_or_create(
                subscriber=reader,
                defaults={"tier": tier, "status": "active", "interval": "month",
                          "amount": tier.monthly_amount, "currency": "usd",
                          "stripe_customer_id": f"cus_paidon_{n}",
                          "stripe_subscription_id": f"sub_paidon_{n}",
                          "stripe_price_id": f"price_bench_paidon_{n % 3}",
                          "current_period_end": period_end, "paid_since": timezone.now()},
            )  # fmt: skip
        free = readers[PAYING:]
    with tenant_context(off):
        off_posts = _posts(off, gated=False, tiers=[])
    return {
        "on": {"host": "paidon.localhost", "schema": on.schema_name},
        "off": {"host": "paidoff.localhost", "schema": off.schema_name},
        "paths": ["/"] + [f"/{p.slug}/" for p in on_posts],
        "paid_post": {"id": on_posts[0].id, "slug": on_posts[0].slug},
        "off_post": {"id": off_posts[0].id, "slug": off_posts[0].slug},
        "payers": [member_cookie(on.schema_name, r.id) for r in readers[:PAYING]],
        "free": [member_cookie(on.schema_name, r.id) for r in free],
    }


def hooks_reset(*, readers: int, account_id: str, price_id: str) -> dict:
    """The hooks blog with `readers` subscribers and no memberships or ledger rows yet."""
    from django.db import connection

    from memberships.models import ReaderMembership
    from shared.billing.models import ConnectEvent
    from tenants.context import tenant_context

    tenant = _blog("hooks", "Webhook target")
    _account(tenant, account_id)
    connection.set_schema_to_public()
    ConnectEvent.objects.filter(account_id=account_id).delete()
    with tenant_context(tenant):
        ReaderMembership.objects.all().delete()
        _tier("Supporter", 500, price_id, account_id, 0)
        ids = [r.id for r in _readers("hooks", readers)]
    return {"schema": tenant.schema_name, "tenant_id": tenant.id, "subscribers": ids}


def hooks_counts(account_id: str) -> dict[str, int]:
    from django.db import connection
    from django.db.models import Count

    from shared.billing.models import ConnectEvent

    connection.set_schema_to_public()
    rows = ConnectEvent.objects.filter(account_id=account_id).values_list("outcome")
    return dict(rows.annotate(n=Count("id")))


# --- the reconcile ----------------------------------------------------------------------


def reconcile_seed(edge, *, subscriptions: int, stale: int, lost: int, gone: int, progress):
    """The reconcile blog, against the local Stripe `edge` (in this process): a connected
    account there, a tier whose prices Quire makes there (`tier_save`), `subscriptions`
    subscriptions there, one per reader, and the readers' memberships here: in step with
    Stripe but for `stale` (Quire still says past due; Stripe says active), `lost` (no
    row yet: the Checkout's webhook never came; found by the subscription's metadata) and
    `gone` more paying members whose subscription Stripe does not have (to be ended)."""
    from django.conf import settings
    from django.utils import timezone

    from memberships import services
    from memberships.models import MemberEvent, ReaderMembership, Tier, TierPrice
    from tenants.context import tenant_context

    settings.STRIPE_API_BASE = settings.STRIPE_CONNECT_BASE = edge.url
    tenant = _blog("reconcile", "Reconcile")
    account = edge.add_account("reconcile@example.org")
    _account(tenant, account)
    with tenant_context(tenant):
        MemberEvent.objects.all().delete()
        ReaderMembership.objects.all().delete()
        TierPrice.objects.all().delete()
        Tier.objects.all().delete()
        tier = services.tier_save(
            tier=None, name="Supporter", monthly=500, yearly=5000, tenant_id=tenant.id
        )
        price = TierPrice.objects.get(tier=tier, interval="month", current=True)
        readers = _readers("reconcile", subscriptions + gone)
    rows = [{"email": r.email, "metadata": {"quire_schema": tenant.schema_name,
                                            "quire_subscriber": str(r.id)}}
            for r in readers[:subscriptions]]  # fmt: skip
    made = edge.seed_subscriptions(
        account=account, price_id=price.stripe_price_id, rows=rows, progress=progress
    )
    now = timezone.now()
    memberships = []
    for n, (reader, sub) in enumerate(zip(readers, made, strict=False)):
        if stale <= n < stale + lost:
            continue
        memberships.append(ReaderMembership(
            subscriber=reader, tier=tier, status="past_due" if n < stale else "active",
            past_due_since=now - timedelta(days=2) if n < stale else None,
            interval="month", amount=500, currency="usd",
            stripe_customer_id=sub["customer"], stripe_subscription_id=sub["subscription"],
            stripe_price_id=price.stripe_price_id, paid_since=now - timedelta(days=40),
            current_period_end=datetime.fromtimestamp(sub["period_end"], UTC),
        ))  # fmt: skip
    for n, reader in enumerate(readers[subscriptions:]):
        memberships.append(ReaderMembership(
            subscriber=reader, tier=tier, status="active", interval="month", amount=500,
            currency="usd", stripe_customer_id=f"cus_gone_{n}",
            stripe_subscription_id=f"sub_gone_{n}_{int(time.time())}",
            stripe_price_id=price.stripe_price_id, paid_since=now - timedelta(days=40),
            current_period_end=now + timedelta(days=5),
        ))  # fmt: skip
    with tenant_context(tenant):
        ReaderMembership.objects.bulk_create(memberships, batch_size=2000)
        members = ReaderMembership.objects.count()
    return {"schema": tenant.schema_name, "account": account, "members": members,
            "price": price.stripe_price_id}  # fmt: skip


def _reconcile(schema: str, *, profile: bool) -> dict:
    """One `memberships_reconcile` of the blog, timed; the time inside Stripe's list calls
    (the HTTP round trip and the SDK reading the page) measured apart."""
    from django.db import connection

    from memberships import stripe_api
    from memberships.reconcile import memberships_reconcile
    from tenants.context import tenant_context
    from tenants.models import Tenant

    listing = {"seconds": 0.0, "pages": 0}
    plain_call = stripe_api.call

    def timed_call(what, fn, *args, **kwargs):  # noqa: ANN001, ANN202
        started = time.perf_counter()
        try:
            return plain_call(what, fn, *args, **kwargs)
        finally:
            if what == "list subscriptions":
                listing["seconds"] += time.perf_counter() - started
                listing["pages"] += 1

    stripe_api.call = timed_call
    tenant = Tenant.objects.get(schema_name=schema)
    last = [time.monotonic()]

    def progress(checked: int) -> None:
        if checked % 500 == 0 or time.monotonic() - last[0] > 2:
            last[0] = time.monotonic()
            print(f"\r  reconcile: {checked:,} subscriptions checked", end="", file=sys.stderr,
                  flush=True)  # fmt: skip

    queries = [0]

    def count(execute, sql, params, many, context):  # noqa: ANN001, ANN202
        queries[0] += 1
        return execute(sql, params, many, context)

    profiler = cProfile.Profile() if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    with tenant_context(tenant), connection.execute_wrapper(count):
        if profiler is not None:
            profiler.enable()
        run = memberships_reconcile(tenant=tenant, progress=progress)
        if profiler is not None:
            profiler.disable()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(file=sys.stderr)
    out = {
        "wall": wall, "cpu": cpu, "list_seconds": listing["seconds"], "pages": listing["pages"],
        "checked": run.checked, "repaired": run.repaired, "error": run.error,
        "paying": run.paying, "queries": queries[0],
    }  # fmt: skip
    if profiler is not None:
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(15)
        out["profile"] = text.getvalue()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="bench/memberships.py's reconcile process")
    parser.add_argument("what", choices=["reconcile"])
    parser.add_argument("schema")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    print("RESULT " + json.dumps(_reconcile(args.schema, profile=args.profile)), flush=True)


if __name__ == "__main__":
    main()
