"""Stripe Checkout: the owner upgrades from the blog's billing page."""

import stripe
from django.conf import settings

from shared.billing import plans as plan_data
from shared.billing import services
from shared.billing.exceptions import BillingNotConfigured, CheckoutFailed
from shared.billing.stripe_api import billing_configured, stripe_client


def checkout_session_create(
    *, tenant_id: int, plan_code: str, customer_email: str, success_url: str, cancel_url: str
) -> str:
    """Start a Stripe Checkout for a paid plan (with the trial) and return its URL.

    The plan is applied when Stripe's webhook confirms it, never on the redirect back.
    """
    if not billing_configured():
        raise BillingNotConfigured("Billing is not set up: set the STRIPE_* variables.")
    setting = plan_data.PRICE_SETTINGS.get(plan_code)
    price = getattr(settings, setting) if setting else ""
    if not price:
        raise CheckoutFailed(f"The plan {plan_code!r} cannot be bought online.")
    sub = services.subscription_get_or_create(tenant_id=tenant_id)
    metadata = {"tenant_id": str(tenant_id), "plan": plan_code}
    params: dict = {
        "mode": "subscription",
        "line_items": [{"price": price, "quantity": 1}],
        "client_reference_id": str(tenant_id),
        "metadata": metadata,
        "subscription_data": {"metadata": metadata},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if not sub.plan.is_paid and sub.status != sub.Status.CANCELED:
        params["subscription_data"]["trial_period_days"] = settings.BILLING_TRIAL_DAYS
        # Tells the webhook that this checkout opens a trial (a returning customer gets none).
        metadata["trial"] = "1"
    if sub.stripe_customer_id:
        params["customer"] = sub.stripe_customer_id
    else:
        params["customer_email"] = customer_email
    try:
        session = stripe_client().v1.checkout.sessions.create(params=params)
    except stripe.StripeError as exc:
        raise CheckoutFailed(
            f"Stripe did not start the checkout ({exc.user_message or 'no details'}). "
            "Please try again in a minute."
        ) from exc
    return session.url


def portal_session_create(*, tenant_id: int, return_url: str) -> str:
    """A Stripe customer-portal URL where the owner updates the card or cancels."""
    if not billing_configured():
        raise BillingNotConfigured("Billing is not set up: set the STRIPE_* variables.")
    sub = services.subscription_get_or_create(tenant_id=tenant_id)
    if not sub.stripe_customer_id:
        raise CheckoutFailed("This blog has no Stripe account yet: choose a paid plan first.")
    try:
        session = stripe_client().v1.billing_portal.sessions.create(
            params={"customer": sub.stripe_customer_id, "return_url": return_url}
        )
    except stripe.StripeError as exc:
        raise CheckoutFailed(
            f"Stripe did not open the billing portal ({exc.user_message or 'no details'}). "
            "Please try again in a minute."
        ) from exc
    return session.url
