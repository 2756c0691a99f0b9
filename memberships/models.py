"""Paid memberships of one blog: its tiers, their Stripe prices, each reader's membership
and offers. Five tables in the blog's own schema; which Stripe account the blog sells
through (and the ledger of Stripe's events) lives in the public schema
(`shared.billing.models.ConnectedAccount`, `ConnectEvent`), because Stripe's webhooks name
an account, not a blog.

Every signed-in reader (an `audience.Subscriber`) is a member of the free tier; a
`ReaderMembership` row says what more they have. Access is computed from it
(`memberships.access`) on each request, so a change made by a webhook counts on the
reader's next request.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

MAX_PAID_TIERS = 5


class MembershipSettings(models.Model):
    """The blog's one row of membership settings."""

    currency = models.CharField(max_length=3, default="usd")  # ISO 4217, lower case
    # A failed renewal keeps access this long, then ends it (Stripe retries meanwhile).
    grace_days = models.PositiveSmallIntegerField(default=7)
    # Checkout computes tax with Stripe Tax (the owner turns it on in their Stripe account).
    stripe_tax = models.BooleanField(default=False)
    free_name = models.CharField(max_length=60, default="Free")
    free_benefits = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"membership settings ({self.currency})"


class Tier(models.Model):
    """A paid tier: a monthly and a yearly price (in the blog's currency, minor units)."""

    name = models.CharField(max_length=60)
    description = models.CharField(max_length=300, blank=True)
    benefits = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    monthly_amount = models.PositiveIntegerField()
    yearly_amount = models.PositiveIntegerField()
    trial_days = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)  # an archived tier sells no more
    position = models.PositiveSmallIntegerField(default=0)
    stripe_product_id = models.CharField(max_length=255, blank=True)
    # The Stripe account the product and prices were made on (a reconnect to another
    # account makes new ones).
    stripe_account = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class TierPrice(models.Model):
    """Every Stripe price a tier has had. A new amount makes a new price for new members;
    those paying an old one keep it, and their subscriptions still map to the tier."""

    class Interval(models.TextChoices):
        MONTH = "month", "Monthly"
        YEAR = "year", "Yearly"

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="prices")
    interval = models.CharField(max_length=5, choices=Interval.choices)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    stripe_price_id = models.CharField(max_length=255)
    stripe_account = models.CharField(max_length=255)
    current = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stripe_price_id"], name="tierprice_price_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.tier_id} {self.interval} {self.amount}"


class ReaderMembership(models.Model):
    """What a member has beyond the free tier: a Stripe subscription, or a complimentary
    (comped) membership the owner gave. Its Stripe fields mirror Stripe's subscription as
    last seen; only verified webhooks and the reconcile task change them."""

    class Status(models.TextChoices):
        FREE = "free", "Free"
        TRIALING = "trialing", "Trial"
        ACTIVE = "active", "Paying"
        PAST_DUE = "past_due", "Payment failed"
        CANCELED = "canceled", "Ended"
        COMPED = "comped", "Complimentary"

    class Source(models.TextChoices):
        STRIPE = "stripe", "Stripe Checkout"
        COMP = "comp", "Given by the blog"
        IMPORT = "import", "Imported"

    subscriber = models.OneToOneField(
        "audience.Subscriber", on_delete=models.CASCADE, related_name="membership"
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FREE)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.STRIPE)
    interval = models.CharField(max_length=5, blank=True)
    amount = models.PositiveIntegerField(default=0)  # per interval, minor units
    currency = models.CharField(max_length=3, blank=True)
    stripe_customer_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    stripe_price_id = models.CharField(max_length=255, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    trial_end = models.DateTimeField(null=True, blank=True)
    past_due_since = models.DateTimeField(null=True, blank=True)
    comp_until = models.DateTimeField(null=True, blank=True)  # None: for as long as it stands
    # The `created` time of the newest Stripe event whose object was applied: an older event
    # arriving late is not applied over it.
    stripe_event_at = models.DateTimeField(null=True, blank=True)
    had_trial = models.BooleanField(default=False)
    # The private feed's secret (None: no feed link yet, or it was revoked).
    feed_token = models.CharField(max_length=64, null=True, blank=True)
    paid_since = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_subscription_id"],
                condition=~models.Q(stripe_subscription_id=""),
                name="membership_subscription_unique",
            ),
            models.UniqueConstraint(fields=["feed_token"], name="membership_feed_token_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_id}: {self.status}"


class MemberEvent(models.Model):
    """A change of a member's paid standing, for the owner's weekly chart and churn."""

    class Kind(models.TextChoices):
        STARTED = "started", "Started paying"
        TRIAL = "trial", "Started a trial"
        CHANGED = "changed", "Changed tier or price"
        CANCELED = "canceled", "Asked to cancel"
        ENDED = "ended", "Ended"
        COMPED = "comped", "Given a membership"

    membership = models.ForeignKey(
        ReaderMembership, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    tier = models.ForeignKey(Tier, on_delete=models.SET_NULL, null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["membership", "at"], name="memberevent_member_at")]

    def __str__(self) -> str:
        return f"{self.membership_id} {self.kind}"


class Offer(models.Model):
    """A discount on a tier, sold as a Stripe coupon and promotion code, with a link to share
    (/members/offer/<code>/)."""

    class Duration(models.TextChoices):
        ONCE = "once", "The first payment"
        REPEATING = "repeating", "Several months"
        FOREVER = "forever", "Every payment"

    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=60)
    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="offers")
    percent_off = models.PositiveSmallIntegerField(null=True, blank=True)
    amount_off = models.PositiveIntegerField(null=True, blank=True)
    duration = models.CharField(max_length=9, choices=Duration.choices, default="once")
    duration_in_months = models.PositiveSmallIntegerField(null=True, blank=True)
    stripe_coupon_id = models.CharField(max_length=255, blank=True)
    stripe_promotion_code_id = models.CharField(max_length=255, blank=True)
    stripe_account = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code"], name="offer_code_unique")]

    def __str__(self) -> str:
        return self.code
