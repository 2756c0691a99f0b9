"""Errors of the billing app. Kept free of model imports, so any layer can import them."""


class LimitReached(ValueError):
    """A plan limit stops this action. `upgrade_url` is a path on the blog's host."""

    def __init__(self, message: str, *, upgrade_url: str = "/dashboard/billing/"):
        super().__init__(message)
        self.upgrade_url = upgrade_url


class BillingNotConfigured(RuntimeError):
    pass


class CheckoutFailed(RuntimeError):
    pass
