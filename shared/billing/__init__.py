"""Plans, subscriptions, limits and Stripe (public schema). The audit log is shared.console's."""

from shared.billing.exceptions import LimitReached

__all__ = ["LimitReached"]
