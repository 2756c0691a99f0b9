"""Membership fixtures: a blog connected to a Stripe account, a paid tier, members, and
Stripe's Connect events signed exactly as Stripe signs them (HMAC-SHA256 over
"timestamp.payload"), checked by the real code."""

import hashlib
import hmac
import itertools
import json
import time

import pytest
from django.db import connection
from django.utils import timezone

from blog.models import Post
from memberships.models import ReaderMembership, Tier, TierPrice
from shared.billing.models import ConnectedAccount
from tenants.context import tenant_context
from tests.comments.conftest import member_client
from tests.conftest import host_client
from tests.factories import PostFactory

CONNECT_SECRET = "whsec_connect_test"
WEBHOOK = "/billing/stripe/connect/"
SECRET = "SECRETWORD"
PUBLIC = "PUBLICWORD"
PAID_BODY = f"{PUBLIC} opens the post.\n\n<!--members-only-->\n\n{SECRET} is the rest."
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def connect_settings(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_quire"
    settings.STRIPE_CONNECT_CLIENT_ID = "ca_test_quire"
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = CONNECT_SECRET
    # Nothing listens there: a call to Stripe fails at once (the tests that need Stripe's
    # answers would start a local one).
    settings.STRIPE_API_BASE = settings.STRIPE_CONNECT_BASE = "http://127.0.0.1:9"
    return settings


def sign(payload: str, *, secret: str = CONNECT_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def event(kind: str, obj: dict, *, account: str, created: int | None = None, **extra) -> dict:
    return {
        "id": extra.pop("event_id", None) or f"evt_{next(_ids)}_{time.time_ns()}",
        "object": "event",
        "type": kind,
        "account": account,
        "created": int(time.time()) if created is None else created,
        "livemode": False,
        "data": {"object": obj},
        **extra,
    }


def post_event(ev: dict | str, *, signature: str | None = None, client=None):
    payload = ev if isinstance(ev, str) else json.dumps(ev)
    client = client or host_client("localhost")
    return client.post(
        WEBHOOK,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload) if signature is None else signature,
    )


def subscription(sub_id: str, *, price: str, status="active", customer="cus_1", meta=None,
                 period_end=None, cancel=False, interval="month", amount=500):  # fmt: skip
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": cancel,
        "metadata": meta or {},
        "items": {
            "data": [
                {
                    "price": {
                        "id": price,
                        "unit_amount": amount,
                        "currency": "usd",
                        "recurring": {"interval": interval},
                    },
                    "current_period_end": period_end or int(time.time()) + 30 * 86400,
                }
            ]
        },
    }


def connect_account(tenant, account_id: str) -> ConnectedAccount:
    connection.set_schema_to_public()
    return ConnectedAccount.objects.create(
        tenant=tenant, account_id=account_id, charges_enabled=True, connected_at=timezone.now()
    )


def tier_with_price(tenant, account_id: str, *, name="Supporter", price="price_m") -> Tier:
    with tenant_context(tenant):
        tier = Tier.objects.create(name=name, monthly_amount=500, yearly_amount=5000)
        TierPrice.objects.create(
            tier=tier, interval="month", amount=500, currency="usd", stripe_price_id=price,
            stripe_account=account_id,
        )  # fmt: skip
        return tier


def paid_post(tenant, **values) -> Post:
    values = {"title": "Paid post", "body": PAID_BODY, "visibility": "paid"} | values
    with tenant_context(tenant):
        return PostFactory(tenant=tenant, **values)


def membership_of(tenant, subscriber_id: int) -> ReaderMembership | None:
    with tenant_context(tenant):
        return (
            ReaderMembership.objects.filter(subscriber_id=subscriber_id)
            .select_related("tier")
            .first()
        )


def meta_for(tenant, client) -> dict:
    return {"quire_schema": tenant.schema_name, "quire_subscriber": str(client.member.id)}


@pytest.fixture
def selling(tenant):
    """`tenant` connected to acct_alpha, with a tier whose monthly price is price_alpha."""
    connect_account(tenant, "acct_alpha")
    tenant.tier = tier_with_price(tenant, "acct_alpha", price="price_alpha")
    return tenant


def payer(tenant, *, email="payer@example.org", sub_id="sub_alpha", price="price_alpha", **kw):
    """A member whose subscription Stripe says is running (a verified webhook said so)."""
    client = member_client(tenant, email=email)
    obj = subscription(sub_id, price=price, meta=meta_for(tenant, client), **kw)
    answer = post_event(event("customer.subscription.created", obj, account="acct_alpha"))
    assert answer.status_code == 200, answer.content
    return client


def gated(client, post) -> dict:
    answer = client.get(f"/members/posts/{post.id}/gated/")
    assert answer.status_code == 200, answer.content[:300]
    assert "no-store" in answer["Cache-Control"]
    return answer.json()


__all__ = ["member_client", "host_client"]


@pytest.fixture(scope="session")
def stripe_local():
    """One local Stripe (localstripe behind our edge) per test process."""
    from tests.support.stripe_local import LocalStripe

    edge = LocalStripe().start()
    yield edge
    edge.close()


@pytest.fixture
def stripe_edge(stripe_local, settings):
    """The local Stripe, Django's settings pointed at it, its queued events cleared."""
    settings.STRIPE_API_BASE = settings.STRIPE_CONNECT_BASE = stripe_local.url
    settings.STRIPE_SECRET_KEY = "sk_test_quire"
    settings.STRIPE_CONNECT_CLIENT_ID = "ca_test_quire"
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = stripe_local.connect_secret
    stripe_local.target_url = None
    stripe_local.take_events()
    return stripe_local


def deliver(edge, client=None) -> list:
    """Post every event the local Stripe queued to the Connect webhook, in order."""
    client = client or host_client("localhost")
    return [
        client.post(WEBHOOK, data=q["payload"], content_type="application/json",
                    HTTP_STRIPE_SIGNATURE=q["signature"])
        for q in edge.take_events()
    ]  # fmt: skip
