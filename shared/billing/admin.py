"""Billing in the platform admin. Subscriptions and Stripe's events are read-only."""

from django.contrib import admin
from django.http import HttpRequest

from shared.billing.models import Plan, Subscription, TenantUsage, WebhookEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "name", "code", "monthly_price_cents", "max_published_posts", "max_members",
        "custom_domain", "api_access", "storage_mb",
    ]  # fmt: skip
    readonly_fields = ["code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    """Plans are changed with the "Change plan" action on blogs, which is audited."""

    list_display = ["tenant", "plan", "status", "trial_end", "current_period_end", "updated_at"]
    list_filter = ["plan", "status"]
    search_fields = ["tenant__subdomain", "tenant__name", "stripe_customer_id"]
    list_select_related = ["tenant", "plan"]


@admin.register(TenantUsage)
class TenantUsageAdmin(ReadOnlyAdmin):
    list_display = [
        "tenant",
        "published_posts",
        "posts",
        "members",
        "storage_bytes",
        "refreshed_at",
    ]
    list_select_related = ["tenant"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "outcome", "tenant", "created", "received_at"]
    list_filter = ["type", "outcome"]
    search_fields = ["event_id"]
    list_select_related = ["tenant"]
