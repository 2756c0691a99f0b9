"""Stripe webhooks: verify the signature, record each event once, apply it in order.

Each event is applied in one transaction with its WebhookEvent row, under a lock on the
blog's subscription: a redelivered event id changes nothing, and an event older than the
newest one applied to that subscription is recorded as stale and ignored.
"""

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction

from lib.errors import ApplicationError
from lib.shapes import Items, Mapping, Number, Object, ShapeError, Text, shape_check
from shared.billing import plans as plan_data
from shared.billing import services
from shared.billing.models import Subscription, WebhookEvent

logger = logging.getLogger(__name__)

Status = Subscription.Status
Outcome = WebhookEvent.Outcome
DUPLICATE = "duplicate"

# Stripe's subscription statuses -> ours. Others (incomplete, paused) change nothing.
_STATUS = {
    "trialing": Status.TRIALING,
    "active": Status.ACTIVE,
    "past_due": Status.PAST_DUE,
    "unpaid": Status.PAST_DUE,
    "canceled": Status.CANCELED,
    "incomplete_expired": Status.CANCELED,
}


class InvalidEvent(ApplicationError):
    pass


# What the handlers below read of an event, and nothing they do not: a signed body of any
# other shape is refused before it reaches them.
_ID = Text(255, pattern=r"[A-Za-z0-9_.:-]+")  # what Stripe's ids and event types are made of
_TIME = Number(0, 253_402_300_799)  # up to the year 9999
_METADATA = Mapping(Text(500, min_length=0), max_items=50)
_LINE = Object(
    {},
    optional={
        "price": Object({}, optional={"id": _ID}),
        "pricing": Object({}, optional={"price_details": Object({}, optional={"price": _ID})}),
        "period": Object({}, optional={"end": _TIME}),
        "current_period_end": _TIME,
    },
)
_LIST = Object({}, optional={"data": Items(_LINE, max_items=1_000)})
_OBJECT = Object(
    {},
    optional={
        "id": _ID,
        "customer": _ID,
        "subscription": _ID,
        "client_reference_id": Text(255, min_length=0),
        "status": Text(64),
        "metadata": _METADATA,
        "trial_end": _TIME,
        "current_period_end": _TIME,
        "amount_paid": Number(0, 10**15),
        "items": _LIST,
        "lines": _LIST,
        "parent": Object(
            {},
            optional={
                "subscription_details": Object(
                    {}, optional={"subscription": _ID, "metadata": _METADATA}
                )
            },
        ),
    },
)
EVENT = Object(
    {
        "id": _ID,
        "type": Text(100, pattern=_ID.pattern),
        "created": _TIME,
        "data": Object({"object": _OBJECT}),
    },
    optional={"account": _ID, "livemode": bool},
)


def _signed_at(signature: str) -> int:
    for part in signature.split(","):
        name, _eq, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            return int(value)
    return 0


def stripe_event_verify(
    *,
    payload: bytes,
    signature: str,
    secret_setting: str = "STRIPE_WEBHOOK_SECRET",
    shape: Object = EVENT,
) -> dict[str, Any]:
    """The event, if `signature` (the Stripe-Signature header) is valid for the secret in
    `secret_setting` and recent enough, and the JSON has `shape`."""
    secret = getattr(settings, secret_setting)
    if not secret:
        raise InvalidEvent(f"Stripe webhooks are not set up: {secret_setting} is empty.")
    try:
        # The signature only: Stripe's construct_event would also build an event object from
        # whatever JSON was signed, and fail on a list or a string.
        stripe.WebhookSignature.verify_header(
            payload, signature, secret, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE
        )
        event = json.loads(payload)
    except stripe.SignatureVerificationError as exc:
        raise InvalidEvent(f"bad or expired signature: {exc.user_message or exc}") from exc
    except (ValueError, TypeError) as exc:
        raise InvalidEvent(f"not a Stripe event: {exc}") from exc
    # Stripe's library refuses a signature too old; one from too far ahead is refused here.
    tolerance = settings.STRIPE_WEBHOOK_TOLERANCE
    if _signed_at(signature) > time.time() + tolerance:
        raise InvalidEvent(f"bad signature: signed more than {tolerance} s in the future")
    try:
        shape_check(event, shape, "the event")
    except ShapeError as exc:
        raise InvalidEvent(f"not a Stripe event: {exc.message}") from exc
    if event["created"] > time.time() + tolerance:
        raise InvalidEvent(f"not a Stripe event: created more than {tolerance} s in the future")
    return event


def _ts(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _get(obj: Any, *path: str | int) -> Any:
    for key in path:
        try:
            obj = obj[key]
        except (KeyError, IndexError, TypeError):
            return None
    return obj


def _plan_for_price(price_id: str | None) -> str | None:
    if not price_id:
        return None
    for code, setting in plan_data.PRICE_SETTINGS.items():
        if getattr(settings, setting) == price_id:
            return code
    return None


def _invoice_subscription_id(obj: dict) -> str | None:
    return obj.get("subscription") or _get(obj, "parent", "subscription_details", "subscription")


def _tenant_id_for(event_type: str, obj: dict) -> int | None:
    candidates: list[Any] = []
    if event_type == "checkout.session.completed":
        candidates += [obj.get("client_reference_id"), _get(obj, "metadata", "tenant_id")]
        sub_id = obj.get("subscription")
    elif event_type.startswith("customer.subscription."):
        candidates.append(_get(obj, "metadata", "tenant_id"))
        sub_id = obj.get("id")
    else:
        candidates.append(_get(obj, "parent", "subscription_details", "metadata", "tenant_id"))
        sub_id = _invoice_subscription_id(obj)
    for candidate in candidates:
        if candidate and str(candidate).isdigit():
            if Subscription.tenant.field.related_model.objects.filter(pk=int(candidate)).exists():
                return int(candidate)
    known = Subscription.objects.none()
    if sub_id:
        known = Subscription.objects.filter(stripe_subscription_id=sub_id)
    if not known.exists() and obj.get("customer"):
        known = Subscription.objects.filter(stripe_customer_id=obj["customer"])
    return known.values_list("tenant_id", flat=True).first()


def _other_subscription(sub: Subscription, stripe_sub_id: str | None) -> bool:
    """The event is about a Stripe subscription other than the blog's current one."""
    return bool(sub.stripe_subscription_id and stripe_sub_id != sub.stripe_subscription_id)


Changes = dict[str, Any] | None


def _checkout_completed(sub: Subscription, obj: dict, created: datetime) -> Changes:
    plan_code = _get(obj, "metadata", "plan")
    if plan_code not in plan_data.PRICE_SETTINGS:
        return None
    changes: dict[str, Any] = {
        "plan_code": plan_code,
        "stripe_customer_id": obj.get("customer") or sub.stripe_customer_id,
        "stripe_subscription_id": obj.get("subscription") or sub.stripe_subscription_id,
    }
    already_running = (
        obj.get("subscription") == sub.stripe_subscription_id
        and sub.status in (Status.TRIALING, Status.ACTIVE)
        and sub.plan.code == plan_code
    )
    if not already_running and _get(obj, "metadata", "trial") == "1":
        trial_end = created + timedelta(days=settings.BILLING_TRIAL_DAYS)
        changes |= {"status": Status.TRIALING, "trial_end": trial_end, "past_due_since": None}
    elif not already_running:
        # No trial (a returning customer): Checkout took the first payment already.
        changes |= {"status": Status.ACTIVE, "trial_end": None, "past_due_since": None}
    return changes


def _free(sub: Subscription) -> dict[str, Any]:
    return {
        "plan_code": plan_data.FREE,
        "status": Status.CANCELED,
        "trial_end": None,
        "past_due_since": None,
        "stripe_subscription_id": "",
    }


def _subscription_upserted(sub: Subscription, obj: dict, created: datetime) -> Changes:
    if _other_subscription(sub, obj.get("id")):
        return None
    status = _STATUS.get(obj.get("status", ""))
    if status is None:
        return None
    if status == Status.CANCELED:
        return _free(sub)
    changes: dict[str, Any] = {
        "status": status,
        "stripe_subscription_id": obj.get("id") or sub.stripe_subscription_id,
        "stripe_customer_id": obj.get("customer") or sub.stripe_customer_id,
        "trial_end": _ts(obj.get("trial_end")) if status == Status.TRIALING else None,
    }
    plan_code = _plan_for_price(_get(obj, "items", "data", 0, "price", "id"))
    if plan_code:
        changes["plan_code"] = plan_code
    period_end = obj.get("current_period_end") or _get(
        obj, "items", "data", 0, "current_period_end"
    )
    if period_end:
        changes["current_period_end"] = _ts(period_end)
    changes["past_due_since"] = (
        (sub.past_due_since or created) if status == Status.PAST_DUE else None
    )
    return changes


def _subscription_deleted(sub: Subscription, obj: dict, created: datetime) -> Changes:
    if _other_subscription(sub, obj.get("id")):
        return None
    return _free(sub)


def _invoice_paid(sub: Subscription, obj: dict, created: datetime) -> Changes:
    if _other_subscription(sub, _invoice_subscription_id(obj)):
        return None
    if not obj.get("amount_paid") and sub.status == Status.TRIALING:
        return None  # the $0 invoice that opens a trial
    changes: dict[str, Any] = {"status": Status.ACTIVE, "past_due_since": None, "trial_end": None}
    line = _get(obj, "lines", "data", 0) or {}
    price_id = _get(line, "price", "id") or _get(line, "pricing", "price_details", "price")
    plan_code = _plan_for_price(price_id)
    if plan_code:
        changes["plan_code"] = plan_code
    if _get(line, "period", "end"):
        changes["current_period_end"] = _ts(line["period"]["end"])
    if _invoice_subscription_id(obj):
        changes["stripe_subscription_id"] = _invoice_subscription_id(obj)
    return changes


def _invoice_failed(sub: Subscription, obj: dict, created: datetime) -> Changes:
    if _other_subscription(sub, _invoice_subscription_id(obj)) or not sub.plan.is_paid:
        return None
    return {"status": Status.PAST_DUE, "past_due_since": sub.past_due_since or created}


_HANDLERS: dict[str, Callable[[Subscription, dict, datetime], Changes]] = {
    "checkout.session.completed": _checkout_completed,
    "customer.subscription.created": _subscription_upserted,
    "customer.subscription.updated": _subscription_upserted,
    "customer.subscription.deleted": _subscription_deleted,
    "invoice.paid": _invoice_paid,
    "invoice.payment_failed": _invoice_failed,
}


def stripe_event_apply(*, event: dict[str, Any]) -> str:
    """Apply a verified event once. Returns its outcome: applied, stale, ignored or duplicate."""
    created = _ts(event["created"])
    obj = _get(event, "data", "object") or {}
    handler = _HANDLERS.get(event["type"])
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    event_id=str(event["id"]),
                    type=str(event["type"])[:100],
                    created=created,
                    outcome=Outcome.IGNORED,
                )
        except IntegrityError:
            return DUPLICATE
        tenant_id = _tenant_id_for(event["type"], obj) if handler else None
        if handler is None or tenant_id is None:
            return record.outcome
        sub = services.subscription_lock(tenant_id=tenant_id)
        record.tenant_id = tenant_id
        if sub.last_event_at and created < sub.last_event_at:
            record.outcome = Outcome.STALE
        else:
            changes = handler(sub, obj, created)
            if changes is not None:
                services.subscription_change(
                    sub=sub,
                    action=f"billing.stripe.{event['type']}",
                    actor_label="stripe",
                    last_event_at=created,
                    **changes,
                )
                record.outcome = Outcome.APPLIED
        record.save(update_fields=["tenant", "outcome"])
        return record.outcome
