"""The one place that talks to Stripe's API (keys and address from settings)."""

import logging

import stripe
from django.conf import settings

logger = logging.getLogger(__name__)


def billing_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def stripe_client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=1,
    )


def stripe_subscription_cancel(*, subscription_id: str) -> bool:
    """Cancel a subscription at Stripe (a blog we moved back to Free must not be charged).
    Never raises: a failure is logged, and Stripe's own dunning ends the subscription anyway."""
    if not (billing_configured() and subscription_id):
        return False
    try:
        stripe_client().v1.subscriptions.cancel(subscription_id)
    except stripe.StripeError:
        logger.exception("could not cancel Stripe subscription %s", subscription_id)
        return False
    return True
