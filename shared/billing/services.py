"""Writes for billing: plans, subscriptions, plan changes, limits and usage.

Every change to a subscription goes through `subscription_change`, which locks the row,
records an audit log entry (shared.console, before and after) and emails the blog's owner
after commit. Billing imports nothing from tenants/: blogs are passed in or reached through
their subscription.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shared.accounts.models import User
from shared.billing import emails, stripe_api
from shared.billing import plans as plan_data
from shared.billing.exceptions import LimitReached, UnknownPlan
from shared.billing.models import Plan, Subscription, TenantUsage
from shared.console.services import audit_log_record

logger = logging.getLogger(__name__)

UPGRADE_PATH = "/dashboard/billing/"
Status = Subscription.Status

# --- plans and subscriptions -----------------------------------------------------------------


def plans_ensure() -> dict[str, Plan]:
    """The three plans by code, created from `plans.PLAN_DEFAULTS` when missing.

    The data migration seeds them; this makes the code robust to a database whose public
    tables were emptied (the test suite's flushes do that).
    """
    plans = {plan.code: plan for plan in Plan.objects.all()}
    for code, defaults in plan_data.PLAN_DEFAULTS.items():
        if code not in plans:
            plans[code], _ = Plan.objects.get_or_create(code=code, defaults=defaults)
    return plans


def plan_get(*, code: str) -> Plan:
    plan = Plan.objects.filter(code=code).first()
    if plan is None:
        plan = plans_ensure().get(code)
    if plan is None:
        raise UnknownPlan(f"Unknown plan {code!r}: use one of {sorted(plan_data.PLAN_DEFAULTS)}.")
    return plan


def subscription_get_or_create(*, tenant_id: int) -> Subscription:
    """The blog's subscription; a blog that has none (made before billing existed) gets Free."""
    sub = Subscription.objects.select_related("plan").filter(tenant_id=tenant_id).first()
    if sub is not None:
        return sub
    free = plan_get(code=plan_data.FREE)
    sub, _ = Subscription.objects.select_related("plan").get_or_create(
        tenant_id=tenant_id, defaults={"plan": free, "status": Status.ACTIVE}
    )
    return sub


def subscription_snapshot(sub: Subscription) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "plan": sub.plan.code,
        "status": sub.status,
        "trial_end": iso(sub.trial_end),
        "current_period_end": iso(sub.current_period_end),
        "stripe_subscription_id": sub.stripe_subscription_id,
    }


def subscription_lock(*, tenant_id: int) -> Subscription:
    """The blog's subscription, locked for update until the end of the transaction."""
    subscription_get_or_create(tenant_id=tenant_id)
    return Subscription.objects.select_for_update().select_related("plan").get(tenant_id=tenant_id)


def subscription_change(
    *,
    sub: Subscription,
    action: str,
    actor: User | None = None,
    actor_label: str = "",
    plan_code: str | None = None,
    reason: str = "",
    **fields: Any,
) -> Subscription:
    """Apply `fields` (and the plan) to a subscription locked by `subscription_lock`.

    Writes an audit entry with before and after, and emails the owner after commit when the
    plan changes or a payment fails. Downgrading never deletes content: what is over the new
    plan's limits stays and is read-only until the owner upgrades or tidies up.
    """
    before = subscription_snapshot(sub)
    if plan_code is not None:
        sub.plan = plan_get(code=plan_code)
    for name, value in fields.items():
        setattr(sub, name, value)
    sub.save()
    after = subscription_snapshot(sub)
    if before != after:
        audit_log_record(
            actor=actor,
            actor_label=actor_label,
            action=action,
            tenant_id=sub.tenant_id,
            before=before,
            after=after,
            reason=reason,
        )
        plan_changed = before["plan"] != after["plan"]
        payment_failed = after["status"] == Status.PAST_DUE != before["status"]
        if plan_changed or payment_failed:
            tenant_id = sub.tenant_id
            transaction.on_commit(
                lambda: emails.subscription_change_email_send(
                    tenant_id=tenant_id, before=before, after=after
                )
            )
    return sub


def subscription_plan_set(
    *, tenant_id: int, plan_code: str, actor: User, reason: str = ""
) -> Subscription:
    """Staff change a blog's plan by hand (works with or without Stripe); `reason` is
    audited."""
    with transaction.atomic():
        sub = subscription_lock(tenant_id=tenant_id)
        return subscription_change(
            sub=sub,
            action="billing.plan_set_by_staff",
            actor=actor,
            plan_code=plan_code,
            reason=reason.strip(),
            status=Status.ACTIVE,
            trial_end=None,
            past_due_since=None,
        )


def _downgrade_to_free(*, tenant_id: int, action: str, still: dict[str, Any]) -> bool:
    """Move a blog to Free if its subscription still matches `still` (checked under lock)."""
    with transaction.atomic():
        sub = subscription_lock(tenant_id=tenant_id)
        if any(getattr(sub, name) != value for name, value in still.items()):
            return False
        stripe_id = sub.stripe_subscription_id
        if stripe_id:  # stop Stripe from charging a blog that is back on Free
            transaction.on_commit(
                lambda: stripe_api.stripe_subscription_cancel(subscription_id=stripe_id)
            )
        subscription_change(
            sub=sub,
            action=action,
            actor_label="system",
            plan_code=plan_data.FREE,
            status=Status.CANCELED,
            trial_end=None,
            past_due_since=None,
            stripe_subscription_id="",
        )
        return True


def trials_expire(*, now: datetime | None = None) -> int:
    """Trials that ended (plus a grace for Stripe's late invoice) without payment -> Free."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.BILLING_TRIAL_GRACE_HOURS)
    ended = Subscription.objects.filter(status=Status.TRIALING, trial_end__lt=cutoff)
    done = 0
    for tenant_id, trial_end in ended.values_list("tenant_id", "trial_end"):
        still = {"status": Status.TRIALING, "trial_end": trial_end}
        done += _downgrade_to_free(tenant_id=tenant_id, action="billing.trial_expired", still=still)
    return done


def past_due_expire(*, now: datetime | None = None) -> int:
    """Subscriptions past_due for longer than BILLING_PAST_DUE_GRACE_DAYS -> Free."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.BILLING_PAST_DUE_GRACE_DAYS)
    overdue = Subscription.objects.filter(status=Status.PAST_DUE, past_due_since__lt=cutoff)
    done = 0
    for tenant_id, since in overdue.values_list("tenant_id", "past_due_since"):
        still = {"status": Status.PAST_DUE, "past_due_since": since}
        done += _downgrade_to_free(
            tenant_id=tenant_id, action="billing.past_due_expired", still=still
        )
    return done


# --- limits ----------------------------------------------------------------------------------


def _plan_for(*, tenant_id: int) -> Plan:
    return subscription_get_or_create(tenant_id=tenant_id).plan


def limits_check_publish(*, tenant_id: int, published_count: int) -> None:
    """Raise LimitReached when a blog with `published_count` published posts may not publish
    one more. Call it before a draft becomes published (not when editing a published post)."""
    plan = _plan_for(tenant_id=tenant_id)
    limit = plan.max_published_posts
    if limit is not None and published_count >= limit:
        raise LimitReached(
            f"The {plan.name} plan allows {limit} published posts and this blog has "
            f"{published_count}. Upgrade your plan to publish more, or unpublish a post first.",
            upgrade_url=UPGRADE_PATH,
        )


def limits_check_member(*, tenant_id: int, member_count: int) -> None:
    """Raise LimitReached when a blog with `member_count` members may not add one more."""
    plan = _plan_for(tenant_id=tenant_id)
    limit = plan.max_members
    if limit is not None and member_count >= limit:
        people = "person" if limit == 1 else "people"
        raise LimitReached(
            f"The {plan.name} plan allows {limit} {people} on a blog and this one has "
            f"{member_count}. Upgrade your plan to invite more, or remove a member first.",
            upgrade_url=UPGRADE_PATH,
        )


def limits_check_storage(*, tenant_id: int, used_bytes: int, adding_bytes: int) -> None:
    """Raise LimitReached when storing `adding_bytes` more on a blog that stores `used_bytes`
    would exceed its plan's storage (`Plan.storage_mb`, in millions of bytes)."""
    plan = _plan_for(tenant_id=tenant_id)
    if plan.storage_mb is None:
        return
    if used_bytes + adding_bytes > plan.storage_mb * 1_000_000:
        raise LimitReached(
            f"The {plan.name} plan includes {plan.storage_mb:,} MB of storage and this blog "
            f"uses {used_bytes / 1e6:,.1f} MB; this file needs {adding_bytes / 1e6:,.1f} MB "
            "more. Upgrade your plan for more storage, or delete files you no longer use.",
            upgrade_url=UPGRADE_PATH,
        )


_FEATURES = {
    "custom_domain": ("custom_domain", "a custom domain"),
    "api_access": ("api_access", "API access"),
}


def limits_check_feature(*, tenant_id: int, feature: str) -> None:
    """Raise LimitReached when the blog's plan does not include `feature`
    ("custom_domain" or "api_access")."""
    if feature not in _FEATURES:
        raise ValueError(f"unknown feature {feature!r}; use one of {sorted(_FEATURES)}")
    field, label = _FEATURES[feature]
    plan = _plan_for(tenant_id=tenant_id)
    if not getattr(plan, field):
        raise LimitReached(
            f"The {plan.name} plan does not include {label}. Upgrade your plan to use it.",
            upgrade_url=UPGRADE_PATH,
        )


# --- usage ---------------------------------------------------------------------------------


def usage_store(
    *, tenant_id: int, posts: int, published_posts: int, members: int, storage_bytes: int
) -> TenantUsage:
    """Store a blog's counted usage (idempotent). Counting happens in tenants.usage, which
    switches to the blog's schema; billing only keeps the figures."""
    usage, _ = TenantUsage.objects.update_or_create(
        tenant_id=tenant_id,
        defaults={
            "posts": posts,
            "published_posts": published_posts,
            "members": members,
            "storage_bytes": storage_bytes,
            "refreshed_at": timezone.now(),
        },
    )
    return usage
