"""Billing lives in the public schema: one Subscription per blog, on one Plan."""

from django.db import models


class Plan(models.Model):
    """What a blog may do. A limit of None means unlimited."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=50)
    monthly_price_cents = models.PositiveIntegerField(default=0)
    max_published_posts = models.PositiveIntegerField(null=True, blank=True)
    max_members = models.PositiveIntegerField(null=True, blank=True)
    custom_domain = models.BooleanField(default=False)
    api_access = models.BooleanField(default=False)
    storage_mb = models.PositiveIntegerField(null=True, blank=True)
    # Email subscribers (confirmed or waiting) and newsletter emails sent per calendar month.
    max_subscribers = models.PositiveIntegerField(null=True, blank=True)
    max_emails_per_month = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Readers paying the blog's writers (paid memberships through the blog's own Stripe
    # account): allowed on this plan, and the platform's share of each payment.
    paid_memberships = models.BooleanField(default=True)
    member_fee_percent = models.DecimalField(max_digits=4, decimal_places=2, default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_paid(self) -> bool:
        return self.monthly_price_cents > 0

    @property
    def monthly_price(self) -> str:
        """The price in dollars, for display: "9", "29", "9.50"."""
        return f"{self.monthly_price_cents / 100:.2f}".removesuffix(".00")


class Subscription(models.Model):
    """A blog's plan and where it stands with Stripe. Exactly one per blog."""

    class Status(models.TextChoices):
        TRIALING = "trialing", "Trialing"
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Past due"
        CANCELED = "canceled", "Canceled"

    tenant = models.OneToOneField(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="subscription"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    trial_end = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    past_due_since = models.DateTimeField(null=True, blank=True)
    stripe_customer_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True, db_index=True)
    # The `created` time of the newest Stripe event applied: older ones are ignored, so
    # out-of-order delivery cannot roll the subscription back.
    last_event_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.plan_id} ({self.status})"


class WebhookEvent(models.Model):
    """Each Stripe event id, recorded once: a redelivered event changes nothing."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        STALE = "stale", "Ignored: older than what was applied"
        IGNORED = "ignored", "Ignored"

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    created = models.DateTimeField(help_text="When Stripe created the event")
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class ConnectedAccount(models.Model):
    """The Stripe account a blog sells memberships through (Connect, a Standard account
    linked by OAuth). One per blog; Stripe's Connect webhooks name the account, and this row
    says which blog it is."""

    tenant = models.OneToOneField(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="connected_account"
    )
    account_id = models.CharField(max_length=255, unique=True)
    email = models.CharField(max_length=254, blank=True)
    country = models.CharField(max_length=2, blank=True)
    charges_enabled = models.BooleanField(default=False)
    connected_at = models.DateTimeField()
    # Set when the owner disconnects (or revokes Quire in Stripe): no new sales; existing
    # subscriptions go on at Stripe.
    disconnected_at = models.DateTimeField(null=True, blank=True)
    # Staff stop a suspended blog's sales and payouts with this.
    payouts_suspended = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.account_id}"

    @property
    def selling(self) -> bool:
        return self.disconnected_at is None and not self.payouts_suspended


class ConnectEvent(models.Model):
    """Each Connect event id, recorded once, with what was done with it."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        STALE = "stale", "Ignored: older than what was applied"
        IGNORED = "ignored", "Ignored"
        UNKNOWN_ACCOUNT = "unknown", "Ignored: no blog has this account"

    event_id = models.CharField(max_length=255, unique=True)
    account_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    created = models.DateTimeField(help_text="When Stripe created the event")
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class ReconcileRun(models.Model):
    """One daily comparison of a blog's members with its Stripe subscriptions."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    checked = models.PositiveIntegerField(default=0)
    repaired = models.PositiveIntegerField(default=0)
    # Up to 50 lines such as "sub_123: active -> canceled".
    details = models.JSONField(default=list, blank=True)
    # The blog's member revenue after the run, for the console (minor units a month).
    paying = models.PositiveIntegerField(default=0)
    mrr = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.started_at:%Y-%m-%d}"


class TenantUsage(models.Model):
    """A blog's usage, refreshed by a periodic task (never counted on a page view)."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="usage")
    posts = models.PositiveIntegerField(default=0)
    published_posts = models.PositiveIntegerField(default=0)
    members = models.PositiveIntegerField(default=0)
    storage_bytes = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"usage of {self.tenant_id}"
