"""Stripe's Connect webhooks: the events of every blog's connected account arrive at one
platform address. Each is verified (signature, age, shape), recorded once by its id (the
`ConnectEvent` ledger), and applied in the schema of the blog whose account it names; an
account no blog has is logged and changes nothing.

Events are safe out of order: a subscription event's object is applied only when it is not
older than the one applied last (its `created` time); when the two are from the same second,
or the event carries no subscription (a finished Checkout, an invoice), the subscription is
read from Stripe as it is now and that is applied.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from lib.shapes import Items, Mapping, Number, Object, Text
from memberships import services, stripe_api
from memberships.models import ReaderMembership
from memberships.stripe_api import StripeUnavailable, subscription_state
from shared.billing.models import ConnectedAccount, ConnectEvent
from shared.billing.webhooks import InvalidEvent, stripe_event_verify

logger = logging.getLogger(__name__)
Outcome = ConnectEvent.Outcome

_ID = Text(255, pattern=r"[A-Za-z0-9_.:-]+")
_TIME = Number(0, 253_402_300_799)
_PRICE = Object(
    {},
    optional={
        "id": _ID,
        "unit_amount": Number(0, 10**12),
        "currency": Text(3, pattern="[a-z]{3}"),
        "recurring": Object({}, optional={"interval": Text(5, pattern="day|week|month|year")}),
    },
)
_ITEM = Object({}, optional={"price": _PRICE, "current_period_end": _TIME})
_OBJECT = Object(
    {},
    optional={
        "id": _ID,
        "object": Text(64, pattern=_ID.pattern),
        "customer": _ID,
        "subscription": _ID,
        "client_reference_id": Text(255, min_length=0),
        "status": Text(64, pattern="[a-z_]+"),
        "metadata": Mapping(Text(500, min_length=0), max_items=50),
        "trial_end": _TIME,
        "current_period_end": _TIME,
        "cancel_at_period_end": bool,
        "charges_enabled": bool,
        "items": Object({}, optional={"data": Items(_ITEM, max_items=20)}),
        "parent": Object(
            {},
            optional={"subscription_details": Object({}, optional={"subscription": _ID})},
        ),
    },
)
CONNECT_EVENT = Object(
    {
        "id": _ID,
        "type": Text(100, pattern=_ID.pattern),
        "created": _TIME,
        "data": Object({"object": _OBJECT}),
    },
    optional={"account": _ID, "livemode": bool},
)
SUBSCRIPTION_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
)
INVOICE_EVENTS = ("invoice.paid", "invoice.payment_failed", "invoice.payment_succeeded")


@dataclass(frozen=True)
class Received:
    """What was done with one delivery: the HTTP status to answer and a word for the log."""

    status: int
    outcome: str


def _ts(value: int) -> datetime:
    return datetime.fromtimestamp(int(value), tz=UTC)


def connect_event_receive(*, payload: bytes, signature: str) -> Received:
    """Verify, record and apply one delivery. InvalidEvent for a bad one (answer 400)."""
    event = stripe_event_verify(
        payload=payload,
        signature=signature,
        secret_setting="STRIPE_CONNECT_WEBHOOK_SECRET",
        shape=CONNECT_EVENT,
    )
    account_id = event.get("account")
    if not account_id:
        raise InvalidEvent("not a Connect event: it names no account")
    if ConnectEvent.objects.filter(event_id=event["id"]).exists():
        return Received(200, "duplicate")
    connected = (
        ConnectedAccount.objects.select_related("tenant").filter(account_id=account_id).first()
    )
    if connected is None:
        logger.warning(
            "Connect event %s (%s) for unknown account %s: ignored",
            event["id"], event["type"], account_id,
        )  # fmt: skip
        return _record(event, account_id, None, Outcome.UNKNOWN_ACCOUNT, None)
    tenant = connected.tenant
    with schema_context(tenant.schema_name):
        try:
            action = _plan(event, connected)
        except StripeUnavailable as exc:
            logger.warning("Connect event %s: %s; Stripe will retry", event["id"], exc)
            return Received(503, "retry")
        return _record(event, account_id, tenant.id, None, action)


def _record(event: dict, account_id: str, tenant_id, outcome, action) -> Received:  # noqa: ANN001
    """The change and the ledger row, in one transaction: the row is written last, with the
    change's outcome, so a delivery of the same id running at the same time fails on the
    row's unique id and its change is rolled back with it."""
    try:
        with transaction.atomic():
            if action is not None:
                done = action()
                outcome = {"applied": Outcome.APPLIED, "stale": Outcome.STALE}.get(
                    done, Outcome.IGNORED
                )
            ConnectEvent.objects.create(
                event_id=event["id"], account_id=account_id, type=event["type"],
                created=_ts(event["created"]), outcome=outcome or Outcome.IGNORED,
                tenant_id=tenant_id,
            )  # fmt: skip
    except IntegrityError:
        return Received(200, "duplicate")
    outcome = outcome or Outcome.IGNORED
    logger.info("Connect event %s %s: %s", event["id"], event["type"], outcome)
    return Received(200, outcome)


def _nothing() -> str:
    return "ignored"


def _plan(event: dict, connected: ConnectedAccount):
    """What to do for the event, read before the ledger's transaction (Stripe may be asked
    for the subscription's current state): a callable that does it."""
    kind, obj = event["type"], event["data"]["object"]
    tenant = connected.tenant
    created = _ts(event["created"])
    if kind == "account.application.deauthorized":
        return lambda: services.account_deauthorized(account_id=connected.account_id) or "applied"
    if kind == "account.updated":
        enabled = bool(obj.get("charges_enabled"))
        return lambda: (
            ConnectedAccount.objects.filter(id=connected.id).update(charges_enabled=enabled)
            and "applied"
        )
    if kind in SUBSCRIPTION_EVENTS:
        state = subscription_state(obj)
        if not state.id:
            return _nothing
        membership = services.membership_find(state=state, schema_name=tenant.schema_name)
        if membership is None:
            logger.info("Connect event %s: subscription %s is no member's", event["id"], state.id)
            return _nothing
        if membership.stripe_event_at == created:  # same second: which came first is unknown
            state = stripe_api.subscription_get(
                account=connected.account_id, subscription_id=state.id
            )
            return _apply(tenant.id, membership, state, obj["id"], created, force=True)
        return _apply(tenant.id, membership, state, state.id, created, force=False)
    if kind == "checkout.session.completed":
        return _checkout_completed(event, obj, connected)
    if kind in INVOICE_EVENTS:
        sub_id = obj.get("subscription") or (
            ((obj.get("parent") or {}).get("subscription_details") or {}).get("subscription")
        )
        if not sub_id:
            return _nothing
        return _current(event, connected, sub_id, customer=obj.get("customer") or "")
    return _nothing


def _checkout_completed(event: dict, obj: dict, connected: ConnectedAccount):
    schema_name = connected.tenant.schema_name
    reference = obj.get("client_reference_id") or ""
    ref_schema, _sep, ref_id = reference.partition(":")
    if ref_schema != schema_name or not ref_id.isdecimal() or not obj.get("subscription"):
        logger.info("Connect event %s: a Checkout not started by this blog", event["id"])
        return _nothing
    subscriber = services.Subscriber.objects.filter(id=int(ref_id)).first()
    if subscriber is None:
        return _nothing
    membership = services.membership_for(subscriber=subscriber)
    if not membership.stripe_customer_id and obj.get("customer"):
        ReaderMembership.objects.filter(id=membership.id).update(stripe_customer_id=obj["customer"])
    return _current(event, connected, obj["subscription"], membership=membership)


def _current(
    event: dict,
    connected: ConnectedAccount,
    subscription_id: str,
    *,
    membership: ReaderMembership | None = None,
    customer: str = "",
):
    state = stripe_api.subscription_get(
        account=connected.account_id, subscription_id=subscription_id
    )
    if membership is None:
        probe = state or stripe_api.SubscriptionState(
            id=subscription_id, customer=customer, status="canceled", price_id="", interval="",
            amount=0, currency="", current_period_end=None, cancel_at_period_end=False,
            trial_end=None, metadata={},
        )  # fmt: skip
        membership = services.membership_find(state=probe, schema_name=connected.tenant.schema_name)
        if membership is None:
            return _nothing
    created = _ts(event["created"])
    return _apply(connected.tenant_id, membership, state, subscription_id, created, force=True)


def _apply(tenant_id, membership, state, subscription_id, created, *, force):  # noqa: ANN001
    def run() -> str:
        return services.membership_apply(
            tenant_id=tenant_id, membership_id=membership.id, state=state,
            subscription_id=subscription_id, event_at=created, force=force,
        )  # fmt: skip

    return run
