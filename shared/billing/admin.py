"""Billing in the platform admin. Subscriptions and Stripe's events are read-only; a blog's
sales of memberships can be suspended (audited)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from shared.billing.models import (
    ConnectedAccount,
    ConnectEvent,
    Plan,
    ReconcileRun,
    Subscription,
    TenantUsage,
    WebhookEvent,
)
from shared.console.services import audit_log_record


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
        "custom_domain", "api_access", "storage_mb", "paid_memberships", "member_fee_percent",
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


@admin.register(ConnectedAccount)
class ConnectedAccountAdmin(admin.ModelAdmin):
    """Each blog's Stripe account for memberships, with its member revenue as of the last
    daily reconcile. Suspending stops the blog's new sales on Quire; the Standard account's
    payouts are the owner's and Stripe's to hold."""

    list_display = [
        "tenant", "account_id", "email", "charges_enabled", "connected_at", "disconnected_at",
        "payouts_suspended", "member_revenue",
    ]  # fmt: skip
    list_filter = ["payouts_suspended", "charges_enabled"]
    search_fields = ["account_id", "tenant__subdomain", "email"]
    list_select_related = ["tenant"]
    readonly_fields = [
        "tenant", "account_id", "email", "country", "charges_enabled", "connected_at",
        "disconnected_at", "payouts_suspended",
    ]  # fmt: skip
    actions = ["suspend_sales", "resume_sales"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Paying / MRR (last reconcile)")
    def member_revenue(self, obj: ConnectedAccount) -> str:
        run = ReconcileRun.objects.filter(tenant_id=obj.tenant_id).first()
        if run is None:
            return "-"
        return f"{run.paying} / {run.mrr / 100:,.2f} {run.currency.upper()}"

    def _suspend(self, request: HttpRequest, queryset: QuerySet, *, value: bool) -> None:
        for account in queryset.select_related("tenant"):
            if account.payouts_suspended == value:
                continue
            account.payouts_suspended = value
            account.save(update_fields=["payouts_suspended"])
            audit_log_record(
                action="memberships.suspend" if value else "memberships.resume",
                actor=request.user, tenant=account.tenant,
                before={"payouts_suspended": not value}, after={"payouts_suspended": value},
            )  # fmt: skip
        messages.success(request, "Done: suspended blogs sell no memberships.")

    @admin.action(description="Suspend membership sales")
    def suspend_sales(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._suspend(request, queryset, value=True)

    @admin.action(description="Resume membership sales")
    def resume_sales(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._suspend(request, queryset, value=False)


@admin.register(ConnectEvent)
class ConnectEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "account_id", "outcome", "tenant", "created", "received_at"]
    list_filter = ["type", "outcome"]
    search_fields = ["event_id", "account_id"]
    list_select_related = ["tenant"]


@admin.register(ReconcileRun)
class ReconcileRunAdmin(ReadOnlyAdmin):
    """What each daily comparison with Stripe found and repaired."""

    list_display = ["tenant", "started_at", "checked", "repaired", "paying", "error"]
    list_filter = ["started_at"]
    readonly_fields = ["details"]
    list_select_related = ["tenant"]
