"""Paid memberships: connecting the blog's Stripe account, tiers and their prices, Checkout
and the Billing Portal for readers, comped members, and applying Stripe's view of a
subscription to a member.

Access never changes on a reader's redirect back from Stripe: only `membership_apply`
changes a member's paid fields, called with a subscription as Stripe has it (from a
verified webhook, or from the reconcile task reading Stripe's list).
"""

import logging
import secrets
from datetime import datetime
from decimal import Decimal

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from audience.models import Subscriber
from lib.errors import ApplicationError, Conflict, NotAllowed
from lib.urls import platform_url
from memberships import stripe_api
from memberships.models import (
    MAX_PAID_TIERS,
    MemberEvent,
    MembershipSettings,
    Offer,
    ReaderMembership,
    Tier,
    TierPrice,
)
from memberships.stripe_api import SubscriptionState, call, client, on
from shared.accounts.models import Membership as Writer
from shared.accounts.selectors import membership_role
from shared.billing.models import ConnectedAccount
from shared.billing.services import subscription_get_or_create
from tenants.models import Tenant
from webhooks.services import webhook_events_emit

logger = logging.getLogger(__name__)
Status = ReaderMembership.Status
Kind = MemberEvent.Kind
STATE_SALT = "memberships.connect.state"
STATE_MAX_AGE = 3600
CURRENCIES = ("usd", "eur", "gbp", "cad", "aud", "chf", "sek", "nok", "dkk", "jpy", "nzd")
MIN_AMOUNT, MAX_AMOUNT = 100, 1_000_000_00  # 1.00 to 1,000,000.00 in the blog's currency
# Stripe's statuses -> ours. "incomplete" (a first payment still being made) gives nothing.
_STATUS = {
    "trialing": Status.TRIALING,
    "active": Status.ACTIVE,
    "past_due": Status.PAST_DUE,
    "unpaid": Status.PAST_DUE,
    "canceled": Status.CANCELED,
    "incomplete_expired": Status.CANCELED,
    "incomplete": Status.FREE,
    "paused": Status.CANCELED,
}


class MembershipInvalid(ApplicationError):
    """Bad input; the message says what to change."""


# --- settings and the connected account ---------------------------------------------------


def membership_settings_get() -> MembershipSettings:
    current = MembershipSettings.objects.first()
    if current is None:
        current, _ = MembershipSettings.objects.get_or_create(pk=1)
    return current


def membership_settings_set(
    *, currency: str, grace_days: int, stripe_tax: bool, free_name: str, free_benefits: list[str]
) -> MembershipSettings:
    current = membership_settings_get()
    currency = currency.strip().lower()
    if currency not in CURRENCIES:
        raise MembershipInvalid(f"Choose a currency among {', '.join(CURRENCIES).upper()}.")
    if currency != current.currency and TierPrice.objects.exists():
        raise MembershipInvalid(
            "The currency can't change once tiers have prices: members pay in it."
        )
    if not 0 <= grace_days <= 60:
        raise MembershipInvalid("The grace period is 0 to 60 days.")
    current.currency, current.grace_days, current.stripe_tax = currency, grace_days, stripe_tax
    current.free_name = (free_name.strip() or "Free")[:60]
    current.free_benefits = _benefits(free_benefits)
    current.save()
    return current


def connected_account(*, tenant_id: int) -> ConnectedAccount | None:
    return ConnectedAccount.objects.filter(tenant_id=tenant_id).first()


def selling_account(*, tenant_id: int) -> str:
    """The account id new sales go to; NotAllowed (with the reason) when the blog can't sell."""
    plan = subscription_get_or_create(tenant_id=tenant_id).plan
    if not plan.paid_memberships:
        raise NotAllowed(f"Paid memberships are not part of the {plan.name} plan.")
    account = connected_account(tenant_id=tenant_id)
    if account is None or account.disconnected_at is not None:
        raise NotAllowed("This blog is not taking payments at the moment.")
    if account.payouts_suspended:
        raise NotAllowed("This blog's payments are suspended.")
    return account.account_id


def member_fee_percent(*, tenant_id: int) -> Decimal:
    return subscription_get_or_create(tenant_id=tenant_id).plan.member_fee_percent


def connect_authorize_url(*, tenant: Tenant, user_id: int, email: str) -> tuple[str, str]:
    """Where the owner goes to link a Stripe account (Connect OAuth), and the nonce the
    caller keeps in the owner's session. The state names the blog, the owner and the nonce,
    signed, for an hour; Stripe sends the owner back to the platform's one registered
    address (`/billing/connect/return/` on the root domain), which sends them on to the
    blog, where the nonce must match: an answer started in another browser links nothing."""
    if not stripe_api.connect_configured():
        raise NotAllowed("Stripe Connect is not set up on this platform.")
    nonce = secrets.token_urlsafe(16)
    state = signing.dumps({"t": tenant.id, "u": user_id, "n": nonce}, salt=STATE_SALT)
    params = {
        "scope": "read_write",
        "state": state,
        "redirect_uri": platform_url(path="/billing/connect/return/"),
        "stripe_user": {"email": email},
    }
    return client().oauth.authorize_url(params), nonce


def connect_state_read(state: str) -> dict:
    """The blog id ("t"), owner id ("u") and nonce ("n") of a state; {} when not ours or
    expired."""
    try:
        data = signing.loads(state, salt=STATE_SALT, max_age=STATE_MAX_AGE)
        return {"t": int(data["t"]), "u": int(data["u"]), "n": str(data["n"])}
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return {}


def connect_complete(*, state: str, code: str, user) -> Tenant:  # noqa: ANN001 (a User)
    """Link the account Stripe's OAuth answered for the blog named in `state`."""
    data = connect_state_read(state)
    if not data:
        raise MembershipInvalid("This Stripe link has expired: connect again.")
    tenant_id, user_id = data["t"], data["u"]
    if user_id != user.id:
        raise NotAllowed("Connect Stripe while signed in as the owner who started it.")
    tenant = Tenant.objects.filter(id=tenant_id).first()
    if tenant is None or membership_role(user=user, tenant_id=tenant_id) != Writer.Role.OWNER:
        raise NotAllowed("Only the blog's owner can connect Stripe.")
    token = call(
        "link the account",
        client().oauth.token,
        {"grant_type": "authorization_code", "code": code},
    )
    account_id = str(token["stripe_user_id"])
    details = call("read the account", client().v1.accounts.retrieve, account_id).to_dict()
    other = ConnectedAccount.objects.filter(account_id=account_id).exclude(tenant_id=tenant.id)
    if other.exists():
        raise Conflict("This Stripe account is already connected to another blog.")
    values = {
        "account_id": account_id,
        "email": str(details.get("email") or "")[:254],
        "country": str(details.get("country") or "")[:2],
        "charges_enabled": bool(details.get("charges_enabled")),
        "connected_at": timezone.now(),
        "disconnected_at": None,
    }
    try:
        ConnectedAccount.objects.update_or_create(tenant=tenant, defaults=values)
    except IntegrityError:
        raise Conflict("This Stripe account is already connected to another blog.") from None
    return tenant


def connect_disconnect(*, tenant_id: int) -> None:
    """Stop new sales. Existing subscriptions go on at Stripe (the owner ends them there)."""
    account = connected_account(tenant_id=tenant_id)
    if account is None or account.disconnected_at is not None:
        return
    try:
        client().oauth.deauthorize({"stripe_user_id": account.account_id})
    except Exception as exc:  # noqa: BLE001 (Stripe may already have dropped the link)
        logger.warning("deauthorize %s: %s", account.account_id, exc)
    ConnectedAccount.objects.filter(id=account.id).update(disconnected_at=timezone.now())


def account_deauthorized(*, account_id: str) -> None:
    """Stripe says the owner removed Quire from their account."""
    ConnectedAccount.objects.filter(account_id=account_id, disconnected_at__isnull=True).update(
        disconnected_at=timezone.now()
    )


# --- tiers and prices ---------------------------------------------------------------------


def _benefits(lines: list[str]) -> list[str]:
    cleaned = [" ".join(line.replace("\x00", "").split())[:200] for line in lines]
    return [line for line in cleaned if line][:20]


def _amount(raw: str | int, *, label: str) -> int:
    """Minor units from "5", "5.50" or an int of minor units."""
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip().replace(",", "")
        try:
            value = int((Decimal(text) * 100).to_integral_value())
        except ArithmeticError:
            raise MembershipInvalid(f"{label}: enter an amount like 5 or 5.50.") from None
    if not MIN_AMOUNT <= value <= MAX_AMOUNT:
        raise MembershipInvalid(f"{label}: between 1.00 and 1,000,000.00.")
    return value


def tier_save(
    *,
    tier: Tier | None,
    name: str,
    monthly: str | int,
    yearly: str | int,
    description: str = "",
    benefits: list[str] | None = None,
    trial_days: int = 0,
    active: bool = True,
    tenant_id: int | None = None,
) -> Tier:
    """Make or change a paid tier. New amounts make new Stripe prices for new members only."""
    name = " ".join(name.replace("\x00", "").split())[:60]
    if not name:
        raise MembershipInvalid("Give the tier a name.")
    monthly_amount = _amount(monthly, label="Monthly price")
    yearly_amount = _amount(yearly, label="Yearly price")
    if not 0 <= trial_days <= 730:
        raise MembershipInvalid("A free trial is 0 to 730 days.")
    others = Tier.objects.filter(active=True).exclude(id=getattr(tier, "id", None))
    if active and others.count() >= MAX_PAID_TIERS:
        raise MembershipInvalid(f"A blog has at most {MAX_PAID_TIERS} paid tiers: archive one.")
    tier = tier or Tier(position=Tier.objects.count())
    tier.name, tier.description = name, description.replace("\x00", "").strip()[:300]
    tier.benefits = _benefits(benefits or [])
    tier.monthly_amount, tier.yearly_amount = monthly_amount, yearly_amount
    tier.trial_days, tier.active = trial_days, active
    tier.save()
    if tenant_id is not None:
        account = connected_account(tenant_id=tenant_id)
        if account is not None and account.selling:
            tier_prices_sync(tier=tier, account_id=account.account_id)
    return tier


def tier_prices_sync(*, tier: Tier, account_id: str) -> dict[str, TierPrice]:
    """The tier's current price per interval on the account, made at Stripe when missing or
    when the amount changed. Old prices stay (their members keep paying them)."""
    currency = membership_settings_get().currency
    api = client().v1
    if tier.stripe_account != account_id or not tier.stripe_product_id:
        product = call(
            "make the tier's product",
            api.products.create,
            params={"name": tier.name, "metadata": {"quire_tier": str(tier.id)}},
            options=on(account_id),
        )
        tier.stripe_product_id, tier.stripe_account = product.id, account_id
        tier.save(update_fields=["stripe_product_id", "stripe_account"])
    wanted = {"month": tier.monthly_amount, "year": tier.yearly_amount}
    current = {}
    for interval, amount in wanted.items():
        price = TierPrice.objects.filter(
            tier=tier, interval=interval, stripe_account=account_id, current=True
        ).first()
        if price is not None and price.amount == amount and price.currency == currency:
            current[interval] = price
            continue
        made = call(
            "make the tier's price",
            api.prices.create,
            params={
                "product": tier.stripe_product_id,
                "unit_amount": amount,
                "currency": currency,
                "recurring": {"interval": interval},
                "metadata": {"quire_tier": str(tier.id)},
            },
            options=on(account_id),
        )
        with transaction.atomic():
            TierPrice.objects.filter(tier=tier, interval=interval, current=True).update(
                current=False
            )
            current[interval] = TierPrice.objects.create(
                tier=tier, interval=interval, amount=amount, currency=currency,
                stripe_price_id=made.id, stripe_account=account_id,
            )  # fmt: skip
    return current


# --- readers: Checkout, the Billing Portal, the private feed --------------------------------


def membership_for(*, subscriber: Subscriber) -> ReaderMembership:
    membership = ReaderMembership.objects.filter(subscriber=subscriber).first()
    if membership is None:
        membership, _ = ReaderMembership.objects.get_or_create(subscriber=subscriber)
    return membership


def checkout_start(
    *,
    tenant: Tenant,
    member: Subscriber,
    tier: Tier,
    interval: str,
    success_url: str,
    cancel_url: str,
    offer: Offer | None = None,
) -> str:
    """A Stripe Checkout page for the member to pay for `tier`: its URL."""
    if interval not in TierPrice.Interval.values:
        raise MembershipInvalid("Choose monthly or yearly.")
    if not tier.active:
        raise MembershipInvalid("This tier is no longer offered.")
    account_id = selling_account(tenant_id=tenant.id)
    membership = membership_for(subscriber=member)
    if membership.stripe_subscription_id and membership.status in (
        Status.ACTIVE, Status.TRIALING, Status.PAST_DUE,
    ):  # fmt: skip
        raise Conflict("You already have a paid membership: change it under Manage billing.")
    price = tier_prices_sync(tier=tier, account_id=account_id)[interval]
    reference = f"{tenant.schema_name}:{member.id}"
    metadata = {"quire_schema": tenant.schema_name, "quire_subscriber": str(member.id)}
    subscription_data: dict = {"metadata": metadata}
    fee = member_fee_percent(tenant_id=tenant.id)
    if fee > 0:
        subscription_data["application_fee_percent"] = str(fee)
    if tier.trial_days and not membership.had_trial:
        subscription_data["trial_period_days"] = tier.trial_days
    params: dict = {
        "mode": "subscription",
        "line_items": [{"price": price.stripe_price_id, "quantity": 1}],
        "client_reference_id": reference,
        "metadata": metadata,
        "subscription_data": subscription_data,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "automatic_tax": {"enabled": membership_settings_get().stripe_tax},
    }
    if membership.stripe_customer_id:
        params["customer"] = membership.stripe_customer_id
    else:
        params["customer_email"] = member.email
    if offer is not None and offer.active and offer.tier_id == tier.id:
        params["discounts"] = [{"promotion_code": offer.stripe_promotion_code_id}]
    else:
        params["allow_promotion_codes"] = True
    session = call(
        "start the payment",
        client().v1.checkout.sessions.create,
        params=params,
        options=on(account_id),
    )
    return session.url


def tier_change(*, tenant: Tenant, member: Subscriber, tier: Tier, interval: str) -> None:
    """Move the member's running subscription to another tier or interval, prorated by
    Stripe. The member's row changes when Stripe's webhook says so, never here."""
    if interval not in TierPrice.Interval.values:
        raise MembershipInvalid("Choose monthly or yearly.")
    if not tier.active:
        raise MembershipInvalid("This tier is no longer offered.")
    membership = ReaderMembership.objects.filter(subscriber=member).first()
    if membership is None or not membership.stripe_subscription_id or membership.status not in (
        Status.ACTIVE, Status.TRIALING, Status.PAST_DUE,
    ):  # fmt: skip
        raise NotAllowed("You have no running paid membership to change: choose a tier to join.")
    account_id = selling_account(tenant_id=tenant.id)
    price = tier_prices_sync(tier=tier, account_id=account_id)[interval]
    if price.stripe_price_id == membership.stripe_price_id:
        raise MembershipInvalid(f"You already have {tier.name}, paid this way.")
    state = stripe_api.subscription_get(
        account=account_id, subscription_id=membership.stripe_subscription_id
    )
    if state is None or not state.item_id:
        raise NotAllowed("Stripe no longer has this membership: choose a tier to join.")
    call(
        "change your tier",
        client().v1.subscriptions.update,
        membership.stripe_subscription_id,
        params={
            "items": [{"id": state.item_id, "price": price.stripe_price_id}],
            "proration_behavior": "create_prorations",
            "cancel_at_period_end": False,
        },
        options=on(account_id),
    )


def portal_start(*, tenant: Tenant, member: Subscriber, return_url: str) -> str:
    """Stripe's Billing Portal for the member's card, cancellation and invoices: its URL."""
    membership = ReaderMembership.objects.filter(subscriber=member).first()
    account = connected_account(tenant_id=tenant.id)
    if membership is None or not membership.stripe_customer_id or account is None:
        raise NotAllowed("You have no payments with this blog.")
    session = call(
        "open your billing page",
        client().v1.billing_portal.sessions.create,
        params={"customer": membership.stripe_customer_id, "return_url": return_url},
        options=on(account.account_id),
    )
    return session.url


def feed_token_reset(*, membership: ReaderMembership) -> str:
    """A new private feed link; the old one stops working at once."""
    membership.feed_token = secrets.token_urlsafe(32)
    membership.save(update_fields=["feed_token", "updated_at"])
    return membership.feed_token


def feed_token_revoke(*, membership: ReaderMembership) -> None:
    membership.feed_token = None
    membership.save(update_fields=["feed_token", "updated_at"])


# --- complimentary memberships ------------------------------------------------------------


def comp_give(
    *, tenant_id: int, email: str, tier: Tier, until: datetime | None
) -> ReaderMembership:
    """Give `email` the tier for free (until a date, or for as long as it stands)."""
    now = timezone.now()
    if until is not None and until <= now:
        raise MembershipInvalid("The end date must be in the future.")
    with transaction.atomic():
        subscriber = Subscriber.objects.filter(email=email).first()
        if subscriber is None:
            subscriber = Subscriber.objects.create(
                email=email, status=Subscriber.Status.CONFIRMED, source="member",
                confirmed_at=now,
            )  # fmt: skip
        membership = (
            ReaderMembership.objects.select_for_update().filter(subscriber=subscriber).first()
        )
        created = membership is None
        membership = membership or ReaderMembership(subscriber=subscriber)
        if membership.stripe_subscription_id and membership.status in (
            Status.ACTIVE, Status.TRIALING, Status.PAST_DUE,
        ):  # fmt: skip
            raise Conflict(f"{email} already pays for a membership.")
        membership.tier, membership.status = tier, Status.COMPED
        membership.source, membership.comp_until = ReaderMembership.Source.COMP, until
        membership.ended_at = None
        membership.save()
        MemberEvent.objects.create(membership=membership, kind=Kind.COMPED, tier=tier)
        _emit(tenant_id, membership, created=created)
    return membership


def comp_end(*, tenant_id: int, membership: ReaderMembership) -> None:
    if membership.status != Status.COMPED:
        raise MembershipInvalid("Only a complimentary membership can be ended here.")
    membership.status, membership.ended_at = Status.FREE, timezone.now()
    membership.save(update_fields=["status", "ended_at", "updated_at"])
    MemberEvent.objects.create(membership=membership, kind=Kind.ENDED, tier=membership.tier)
    _emit(tenant_id, membership, created=False)


# --- applying Stripe's view ---------------------------------------------------------------


def member_payload(membership: ReaderMembership) -> dict:
    subscriber = membership.subscriber
    return {
        "member": {
            "id": subscriber.id,
            "email": subscriber.email,
            "name": subscriber.name,
            "tier": membership.tier.name if membership.tier_id else None,
            "status": membership.status,
            "interval": membership.interval or None,
            "current_period_end": (
                membership.current_period_end.isoformat() if membership.current_period_end else None
            ),
            "cancel_at_period_end": membership.cancel_at_period_end,
        }
    }


def member_payload_deleted(membership: ReaderMembership) -> dict:
    """What `member.deleted` says: the subscriber row may be gone already (a cascade)."""
    return {
        "member": {
            "id": membership.subscriber_id,
            "tier_id": membership.tier_id,
            "status": membership.status,
        }
    }


def _emit(tenant_id: int, membership: ReaderMembership, *, created: bool) -> None:
    data = member_payload(membership)
    event = "member.created" if created else "member.updated"
    transaction.on_commit(
        lambda: webhook_events_emit(tenant_id=tenant_id, events=[event], data=data)
    )


def membership_find(*, state: SubscriptionState, schema_name: str) -> ReaderMembership | None:
    """The member a Stripe subscription is about: by its id, else by the subscriber named in
    its metadata (only when the metadata names this blog), else by the customer."""
    found = ReaderMembership.objects.filter(stripe_subscription_id=state.id).first()
    if found is not None:
        return found
    subscriber_id = state.metadata.get("quire_subscriber", "")
    if state.metadata.get("quire_schema") == schema_name and subscriber_id.isdecimal():
        subscriber = Subscriber.objects.filter(id=int(subscriber_id)).first()
        if subscriber is not None:
            return membership_for(subscriber=subscriber)
    if state.customer:
        by_customer = list(ReaderMembership.objects.filter(stripe_customer_id=state.customer)[:2])
        if len(by_customer) == 1:
            return by_customer[0]
    return None


def membership_apply(
    *,
    tenant_id: int,
    membership_id: int,
    state: SubscriptionState | None,
    subscription_id: str,
    event_at: datetime | None = None,
    force: bool = False,
) -> str:
    """Make the member's paid fields what Stripe says (`state`; None: Stripe no longer has
    the subscription). With `event_at`, a state older than the one applied is not applied
    ("stale"); `force` (the reconcile, which reads Stripe's current list) always applies.
    Returns "applied", "stale" or "same"."""
    now = timezone.now()
    with transaction.atomic():
        membership = (
            ReaderMembership.objects.select_for_update(of=("self",))
            .select_related("subscriber", "tier")
            .get(id=membership_id)
        )
        if (
            not force
            and event_at is not None
            and membership.stripe_event_at is not None
            and event_at < membership.stripe_event_at
        ):
            return "stale"
        if (
            membership.stripe_subscription_id
            and membership.stripe_subscription_id != subscription_id
            and membership.status in (Status.ACTIVE, Status.TRIALING, Status.PAST_DUE)
            and (state is None or _STATUS.get(state.status) == Status.CANCELED)
        ):
            return "same"  # an old subscription ending says nothing of the current one
        before = (
            membership.status, membership.tier_id, membership.cancel_at_period_end,
            membership.stripe_price_id, membership.current_period_end,
        )  # fmt: skip
        created = membership.stripe_subscription_id == "" and membership.status == Status.FREE
        if state is None:
            status = Status.CANCELED
        else:
            status = _STATUS.get(state.status, Status.FREE)
            tier_id = (
                TierPrice.objects.filter(stripe_price_id=state.price_id)
                .values_list("tier_id", flat=True)
                .first()
            )
            membership.tier_id = tier_id or membership.tier_id
            membership.stripe_subscription_id = state.id
            membership.stripe_customer_id = state.customer or membership.stripe_customer_id
            membership.stripe_price_id = state.price_id
            membership.interval, membership.amount = state.interval, state.amount
            membership.currency = state.currency
            membership.current_period_end = state.current_period_end
            membership.cancel_at_period_end = state.cancel_at_period_end
            membership.trial_end = state.trial_end
            if status == Status.TRIALING:
                membership.had_trial = True
        if membership.status == Status.COMPED and status in (Status.CANCELED, Status.FREE):
            status = Status.COMPED  # a gift outlives an old subscription's end
        if status == Status.PAST_DUE:
            membership.past_due_since = membership.past_due_since or now
        else:
            membership.past_due_since = None
        if status in (Status.ACTIVE, Status.TRIALING) and membership.paid_since is None:
            membership.paid_since = now
        if status == Status.CANCELED and membership.status != Status.CANCELED:
            membership.ended_at, membership.paid_since = now, None
        old_status = membership.status
        membership.status = status
        membership.source = membership.source or ReaderMembership.Source.STRIPE
        if event_at is not None:
            membership.stripe_event_at = max(event_at, membership.stripe_event_at or event_at)
        after = (
            membership.status, membership.tier_id, membership.cancel_at_period_end,
            membership.stripe_price_id, membership.current_period_end,
        )  # fmt: skip
        membership.save()
        if before == after:
            return "same"
        kind = _event_kind(old_status, membership, before)
        if kind:
            MemberEvent.objects.create(membership=membership, kind=kind, tier=membership.tier)
        _emit(tenant_id, membership, created=created)
    return "applied"


def _event_kind(old_status: str, membership: ReaderMembership, before: tuple) -> str | None:
    new = membership.status
    paying = (Status.ACTIVE, Status.TRIALING, Status.PAST_DUE)
    if new == Status.CANCELED and old_status != Status.CANCELED:
        return Kind.ENDED
    if new == Status.TRIALING and old_status not in paying:
        return Kind.TRIAL
    if new == Status.ACTIVE and old_status not in paying:
        return Kind.STARTED
    if membership.cancel_at_period_end and not before[2]:
        return Kind.CANCELED
    if new in paying and (before[1], before[3]) != (membership.tier_id, membership.stripe_price_id):
        return Kind.CHANGED
    return None
