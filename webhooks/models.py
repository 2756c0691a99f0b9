"""Outgoing webhooks: a blog's endpoints and the log of their deliveries, in the public schema.

Public rather than per blog: most blogs never register an endpoint, and a table per blog is
multiplied by the number of blogs; the every-minute retry sweep is one indexed query here
instead of a visit to every schema. Every query filters by tenant (`selectors.py`).
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

EVENTS = (
    "post.published",
    "post.updated",
    "post.unpublished",
    "post.deleted",
    "member.added",
    "member.removed",
    "comment.created",
    "comment.approved",
    "comment.deleted",
    "member.created",
    "member.updated",
    "member.deleted",
)
PING = "ping"  # the dashboard's "send test"


class WebhookEndpoint(models.Model):
    """A URL an owner registered for some events of their blog. The secret signs every
    delivery (HMAC needs it in the clear, as Stripe's and GitHub's do); it is shown once."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    events = ArrayField(models.CharField(max_length=40))
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=80)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when a delivery finally fails, cleared by a success; past
    # QUIRE_WEBHOOK_DISABLE_AFTER_DAYS of failures the endpoint is disabled with the reason.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url

    @property
    def secret_hint(self) -> str:
        return self.secret[:10] + "…"


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint, with its attempts' outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="+")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True)  # the Quire-Delivery header
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Pending: when the next attempt is due (an attempt in progress pushes it past its timeout,
    # so a worker that dies mid-attempt is retried by the sweep).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)  # the first KB
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.endpoint_id}"
