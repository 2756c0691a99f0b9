"""The audit log (public schema). Its table predates this app: it is still `billing_auditlog`."""

from django.conf import settings
from django.db import models


class AuditLog(models.Model):
    """Every staff action and billing change. Written by services only; never edited.

    Append-only in PostgreSQL itself: a trigger refuses DELETE and any UPDATE other than
    Django's SET_NULL of `actor`/`tenant` (billing migration 0002).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # Who did it, kept when the user is gone: an email, "stripe" or "system".
    actor_label = models.CharField(max_length=255)
    action = models.CharField(max_length=64, db_index=True)
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The blog's subdomain and schema at the time, kept after a purge deletes the row.
    tenant_label = models.CharField(max_length=255, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "billing_auditlog"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
