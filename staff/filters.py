"""The blog list's filters and the domain inline of the staff console."""

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from shared.billing import plans as plan_data
from shared.billing.models import Subscription
from tenants.models import Domain, Tenant


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class PlanFilter(admin.SimpleListFilter):
    title = "plan"
    parameter_name = "plan"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [(code, data["name"]) for code, data in plan_data.PLAN_DEFAULTS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> QuerySet[Tenant]:
        code = self.value()
        if not code:
            return queryset
        match = Q(subscription__plan__code=code)
        if code == plan_data.FREE:  # a blog with no subscription row yet is on Free
            match |= Q(subscription__isnull=True)
        return queryset.filter(match)


class BillingStatusFilter(admin.SimpleListFilter):
    title = "billing status"
    parameter_name = "billing"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return list(Subscription.Status.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> QuerySet[Tenant]:
        value = self.value()
        return queryset.filter(subscription__status=value) if value else queryset
