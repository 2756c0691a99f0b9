"""Staff console: every blog's custom domain, and revoking one (tenants.domains writes the
audit log). Imported by staff/admin.py."""

from django.contrib import admin, messages

from tenants import domains
from tenants.models import CustomDomain


@admin.register(CustomDomain)
class CustomDomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "shown_as", "tenant", "status", "is_primary", "checked_at", "reason")
    list_filter = ("status", "is_primary")
    search_fields = ("domain", "tenant__subdomain", "tenant__name")
    actions = ["revoke"]
    readonly_fields = [f.name for f in CustomDomain._meta.fields]

    @admin.display(description="shown as")
    def shown_as(self, obj: CustomDomain) -> str:
        return obj.display

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke (below) goes through the service and the audit log

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Revoke the selected domains (they stop serving at once)")
    def revoke(self, request, queryset) -> None:
        count = 0
        for tenant_id in queryset.values_list("tenant_id", flat=True):
            try:
                domains.custom_domain_remove(
                    tenant_id=tenant_id, actor=request.user, reason="revoked by staff"
                )
                count += 1
            except domains.DomainError as exc:
                self.message_user(request, str(exc), messages.WARNING)
        self.message_user(request, f"Revoked {count} domain(s).", messages.SUCCESS)
