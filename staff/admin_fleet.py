"""Admin pages for fleet operations: per-schema migration status and the spare pool."""

from django.contrib import admin
from django.http import HttpRequest

from tenants.models import SchemaMigration, SpareSchema


@admin.register(SchemaMigration)
class SchemaMigrationAdmin(admin.ModelAdmin):
    """Per-schema outcome of fleet migrations (read-only: written by tenants.fleet)."""

    list_display = ["schema_name", "tenant", "status", "applied", "duration_ms", "updated_at"]
    list_filter = ["status"]
    search_fields = ["schema_name", "tenant__subdomain", "error"]
    list_select_related = ["tenant"]
    readonly_fields = [f.name for f in SchemaMigration._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(SpareSchema)
class SpareSchemaAdmin(admin.ModelAdmin):
    list_display = ["schema_name", "migration_state", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
