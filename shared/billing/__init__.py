"""Plans, subscriptions, limits, Stripe and the audit log (public schema)."""

from shared.billing.exceptions import LimitReached

__all__ = ["LimitReached"]
