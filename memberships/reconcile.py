"""The daily comparison of a blog's members with its Stripe subscriptions: a webhook Stripe
gave up on (or one lost on the way) leaves a member's row behind Stripe's; this reads every
subscription of the connected account and applies those that differ, and ends the
memberships whose subscription Stripe no longer has. What it repaired is kept
(`ReconcileRun`) and shown in the staff console."""

from collections.abc import Callable

from django.utils import timezone

from memberships import selectors, services, stripe_api
from memberships.models import ReaderMembership
from memberships.stripe_api import StripeUnavailable, SubscriptionState
from shared.billing.models import ReconcileRun
from tenants.models import Tenant

Status = ReaderMembership.Status
PAYING = (Status.ACTIVE, Status.TRIALING, Status.PAST_DUE)
MAX_DETAILS = 50


def _differs(membership: ReaderMembership, state: SubscriptionState) -> bool:
    status = services._STATUS.get(state.status, Status.FREE)
    if membership.status == Status.COMPED and status in (Status.CANCELED, Status.FREE):
        return False
    return (
        membership.status != status
        or membership.stripe_price_id != state.price_id
        or membership.cancel_at_period_end != state.cancel_at_period_end
        or membership.current_period_end != state.current_period_end
    )


def memberships_reconcile(
    *, tenant: Tenant, progress: Callable[[int], None] | None = None
) -> ReconcileRun | None:
    """Compare and repair (in the blog's schema); None when the blog has no Stripe account."""
    account = services.connected_account(tenant_id=tenant.id)
    if account is None or account.disconnected_at is not None:
        return None
    run = ReconcileRun.objects.create(tenant=tenant, started_at=timezone.now())
    known = {
        m.stripe_subscription_id: m
        for m in ReaderMembership.objects.exclude(stripe_subscription_id="").only(
            "id", "status", "stripe_subscription_id", "stripe_price_id",
            "cancel_at_period_end", "current_period_end",
        )
    }  # fmt: skip
    seen: set[str] = set()
    try:
        for state in stripe_api.subscriptions_all(account=account.account_id):
            seen.add(state.id)
            run.checked += 1
            if progress is not None:
                progress(run.checked)
            membership = known.get(state.id)
            if membership is None:
                membership = services.membership_find(state=state, schema_name=tenant.schema_name)
                if membership is None:
                    continue
            elif not _differs(membership, state):
                continue
            before = membership.status
            done = services.membership_apply(
                tenant_id=tenant.id, membership_id=membership.id, state=state,
                subscription_id=state.id, force=True,
            )  # fmt: skip
            if done == "applied":
                _repaired(run, f"{state.id}: {before} -> {services._STATUS.get(state.status)}")
        for sub_id, membership in known.items():
            if sub_id in seen or membership.status not in PAYING:
                continue
            done = services.membership_apply(
                tenant_id=tenant.id, membership_id=membership.id, state=None,
                subscription_id=sub_id, force=True,
            )  # fmt: skip
            if done == "applied":
                _repaired(run, f"{sub_id}: {membership.status} -> canceled (gone at Stripe)")
    except StripeUnavailable as exc:
        run.error = exc.message[:1000]
    figures = selectors.figures()
    run.paying, run.mrr = figures.paying, figures.mrr
    run.currency = services.membership_settings_get().currency
    run.finished_at = timezone.now()
    run.save()
    return run


def _repaired(run: ReconcileRun, line: str) -> None:
    run.repaired += 1
    if len(run.details) < MAX_DETAILS:
        run.details.append(line)
