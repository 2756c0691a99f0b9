"""The one place memberships talk to Stripe: on the blog's connected account (the
`Stripe-Account` header), with the platform's key, at the addresses in settings (tests point
them at a local Stripe server). Stripe's answers are read into plain values here.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import stripe
from django.conf import settings

from lib.errors import Unavailable


class StripeUnavailable(Unavailable):
    """Stripe refused or could not be reached; the message is fit to show."""


def connect_configured() -> bool:
    return bool(
        settings.STRIPE_SECRET_KEY
        and settings.STRIPE_CONNECT_CLIENT_ID
        and settings.STRIPE_CONNECT_WEBHOOK_SECRET
    )


def client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        client_id=settings.STRIPE_CONNECT_CLIENT_ID or None,
        base_addresses={
            "api": settings.STRIPE_API_BASE,
            "connect": settings.STRIPE_CONNECT_BASE,
        },
        max_network_retries=1,
    )


def call(what: str, fn, *args, **kwargs) -> Any:
    """`fn(*args, **kwargs)`, Stripe's errors turned into one the reader or owner can read."""
    try:
        return fn(*args, **kwargs)
    except stripe.StripeError as exc:
        detail = exc.user_message or str(exc) or exc.__class__.__name__
        raise StripeUnavailable(f"Stripe could not {what}: {detail}") from exc


def on(account: str) -> dict:
    return {"stripe_account": account}


def _ts(value: Any) -> datetime | None:
    if value in (None, "", 0):
        return None
    return datetime.fromtimestamp(int(value), tz=UTC)


@dataclass(frozen=True)
class SubscriptionState:
    """What Quire reads of a Stripe subscription."""

    id: str
    customer: str
    status: str
    price_id: str
    interval: str
    amount: int
    currency: str
    current_period_end: datetime | None
    cancel_at_period_end: bool
    trial_end: datetime | None
    metadata: dict
    item_id: str = ""  # the subscription's one item: a change of tier replaces its price


def _get(obj: Any, *path: str | int) -> Any:
    for key in path:
        try:
            obj = obj[key]
        except (KeyError, IndexError, TypeError):
            return None
    return obj


def subscription_state(obj: Any) -> SubscriptionState:
    """A subscription object (a dict, or the SDK's object) as plain values. The period end
    is read from the item (Stripe's API since 2025) or, on older API versions, the top."""
    item = _get(obj, "items", "data", 0) or {}
    price = _get(item, "price") or {}
    metadata = _get(obj, "metadata") or {}
    return SubscriptionState(
        id=str(_get(obj, "id") or ""),
        customer=str(_get(obj, "customer") or ""),
        status=str(_get(obj, "status") or ""),
        price_id=str(_get(price, "id") or ""),
        interval=str(_get(price, "recurring", "interval") or ""),
        amount=int(_get(price, "unit_amount") or 0),
        currency=str(_get(price, "currency") or ""),
        current_period_end=_ts(_get(item, "current_period_end") or _get(obj, "current_period_end")),
        cancel_at_period_end=bool(_get(obj, "cancel_at_period_end")),
        trial_end=_ts(_get(obj, "trial_end")),
        metadata={str(k): str(v) for k, v in dict(metadata).items()},
        item_id=str(_get(item, "id") or ""),
    )


def subscription_get(*, account: str, subscription_id: str) -> SubscriptionState | None:
    """The subscription as Stripe has it now; None when Stripe no longer knows it."""
    try:
        obj = client().v1.subscriptions.retrieve(subscription_id, options=on(account))
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            return None
        raise StripeUnavailable(f"Stripe could not read {subscription_id}: {exc}") from exc
    except stripe.StripeError as exc:
        raise StripeUnavailable(f"Stripe could not read {subscription_id}: {exc}") from exc
    return subscription_state(obj.to_dict())


def subscriptions_all(*, account: str, page: int = 100):
    """Every subscription of the account (any status), page by page."""
    after = None
    api = client().v1.subscriptions
    while True:
        params: dict[str, Any] = {"status": "all", "limit": page}
        if after:
            params["starting_after"] = after
        result = call("list subscriptions", api.list, params=params, options=on(account))
        data = list(result.data)
        for obj in data:
            yield subscription_state(obj.to_dict())
        if not result.has_more or not data:
            return
        after = data[-1].id
