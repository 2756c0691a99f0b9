from django.contrib import admin, messages
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest

from shared.accounts.models import Membership
from tenants import services
from tenants.models import Domain, Tenant


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "primary_domain", "owner_email", "status", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["name", "subdomain", "domains__domain", "members__user__email"]
    readonly_fields = ["subdomain", "schema_name", "created_at"]
    fields = ["name", "subdomain", "status", "schema_name", "created_at"]
    inlines = [DomainInline]
    actions = ["suspend", "reactivate"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tenant]:
        owners = Membership.objects.filter(
            tenant=OuterRef("pk"), role=Membership.Role.OWNER
        ).values("user__email")[:1]
        domains = Domain.objects.filter(tenant=OuterRef("pk"), is_primary=True).values("domain")[:1]
        return (
            super()
            .get_queryset(request)
            .annotate(_owner_email=Subquery(owners), _primary_domain=Subquery(domains))
        )

    @admin.display(description="Owner", ordering="_owner_email")
    def owner_email(self, obj: Tenant) -> str:
        return obj._owner_email or "-"

    @admin.display(description="Domain", ordering="_primary_domain")
    def primary_domain(self, obj: Tenant) -> str:
        return obj._primary_domain or "-"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Blogs are made by provisioning (signup or `manage.py create_blog`), never by hand.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Tenant | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Tenant, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.tenant_set_status(tenant=obj, status=obj.status)

    @admin.action(description="Suspend selected blogs")
    def suspend(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        for tenant in queryset:
            services.tenant_set_status(tenant=tenant, status=Tenant.Status.SUSPENDED)
        messages.success(request, f"Suspended {len(queryset)} blog(s).")

    @admin.action(description="Reactivate selected blogs")
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        for tenant in queryset:
            services.tenant_set_status(tenant=tenant, status=Tenant.Status.ACTIVE)
        messages.success(request, f"Reactivated {len(queryset)} blog(s).")
