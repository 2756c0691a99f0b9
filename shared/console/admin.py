"""The audit log in the platform admin: read-only for staff."""

from django.contrib import admin
from django.http import HttpRequest

from shared.console.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "tenant_label", "reason"]
    list_filter = ["action", "created_at"]
    search_fields = ["actor_label", "action", "tenant_label"]
    date_hierarchy = "created_at"

    @admin.display(description="Reason")
    def reason(self, obj: AuditLog) -> str:
        return (obj.after or {}).get("reason", "")

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
