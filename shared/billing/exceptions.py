"""Errors of the billing app (all `lib.errors.ApplicationError`). Free of model imports,
so any layer can import them."""

from lib.errors import ApplicationError, Unavailable


class LimitReached(ApplicationError):
    """A plan limit stops this action. `upgrade_url` is a path on the blog's host."""

    status_code = 402

    def __init__(self, message: str, *, upgrade_url: str = "/dashboard/billing/"):
        super().__init__(message, extra={"upgrade_url": upgrade_url})
        self.upgrade_url = upgrade_url


class UnknownPlan(ApplicationError):
    pass


class BillingNotConfigured(Unavailable):
    pass


class CheckoutFailed(Unavailable):
    status_code = 502
