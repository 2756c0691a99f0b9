"""The platform console: Django admin for blogs, with audited staff actions and a dashboard.

Staff only, root domain only (blog hosts have no admin URLs). Every action goes through a
service in tenants.lifecycle or shared.billing.services, which writes the AuditLog.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join

from blog.cache import blog_changed
from shared.accounts.models import Membership
from shared.billing import charts
from shared.billing import plans as plan_data
from shared.billing import selectors as billing_selectors
from shared.billing import services as billing_services
from shared.billing.models import Subscription
from tenants import lifecycle
from tenants.models import Domain, Tenant
from tenants.routing import tenant_routing_invalidate


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


class TenantActionForm(ActionForm):
    plan = forms.ChoiceField(
        required=False,
        label="Plan (for “Change plan”)",
        choices=[("", "---")] + [(c, d["name"]) for c, d in plan_data.PLAN_DEFAULTS.items()],
    )


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "primary_domain", "owner_email", "plan", "status", "created_at"]
    list_filter = ["status", PlanFilter, BillingStatusFilter, "created_at"]
    search_fields = ["name", "subdomain", "domains__domain", "members__user__email"]
    readonly_fields = [
        "subdomain", "schema_name", "status", "created_at", "deleted_at", "owner",
        "members_list", "subscription_summary", "usage_summary", "fleet_migration_status",
        "audit_trail",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["name", "subdomain", "status", "schema_name", "created_at"]}),
        ("People", {"fields": ["owner", "members_list"]}),
        ("Plan and usage", {"fields": ["subscription_summary", "usage_summary"]}),
        ("Operations", {"fields": ["fleet_migration_status", "deleted_at", "audit_trail"]}),
    ]
    inlines = [DomainInline]
    action_form = TenantActionForm
    actions = [
        "suspend", "reactivate", "change_plan", "rerun_migrations", "rebuild_search",
        "soft_delete", "undelete",
    ]  # fmt: skip
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tenant]:
        owners = Membership.objects.filter(
            tenant=OuterRef("pk"), role=Membership.Role.OWNER
        ).values("user__email")[:1]
        domains = Domain.objects.filter(tenant=OuterRef("pk"), is_primary=True).values("domain")[:1]
        plans = Subscription.objects.filter(tenant=OuterRef("pk")).values("plan__name")[:1]
        return (
            super()
            .get_queryset(request)
            .annotate(
                _owner_email=Subquery(owners),
                _primary_domain=Subquery(domains),
                _plan=Subquery(plans),
            )
        )

    def get_urls(self) -> list:
        console = path(
            "console/", self.admin_site.admin_view(self.console_view), name="tenants_console"
        )
        return [console, *super().get_urls()]

    # --- list columns ---------------------------------------------------------------------

    @admin.display(description="Owner", ordering="_owner_email")
    def owner_email(self, obj: Tenant) -> str:
        return obj._owner_email or "-"

    @admin.display(description="Domain", ordering="_primary_domain")
    def primary_domain(self, obj: Tenant) -> str:
        return obj._primary_domain or "-"

    @admin.display(description="Plan", ordering="_plan")
    def plan(self, obj: Tenant) -> str:
        return obj._plan or plan_data.PLAN_DEFAULTS[plan_data.FREE]["name"]

    # --- the tenant page ------------------------------------------------------------------

    @admin.display(description="Owner")
    def owner(self, obj: Tenant) -> str:
        return obj._owner_email or "-"

    @admin.display(description="Members")
    def members_list(self, obj: Tenant) -> str:
        rows = Membership.objects.filter(tenant=obj).select_related("user").order_by("role")
        return format_html_join(", ", "{} ({})", ((m.user.email, m.role) for m in rows)) or "-"

    @admin.display(description="Plan and subscription")
    def subscription_summary(self, obj: Tenant) -> str:
        sub = billing_services.subscription_get_or_create(tenant_id=obj.id)
        return format_html(
            "{} · {} · trial ends {} · period ends {} · Stripe {} / {}",
            sub.plan.name,
            sub.get_status_display(),
            sub.trial_end or "-",
            sub.current_period_end or "-",
            sub.stripe_customer_id or "-",
            sub.stripe_subscription_id or "-",
        )

    @admin.display(description="Usage")
    def usage_summary(self, obj: Tenant) -> str:
        usage = billing_selectors.usage_for_tenant(tenant_id=obj.id)
        if usage is None:
            return "not counted yet (the usage task runs every few hours)"
        return format_html(
            "{} published of {} posts · {} members · {} MB · as of {}",
            usage.published_posts,
            usage.posts,
            usage.members,
            round(usage.storage_bytes / 1_000_000, 1),
            usage.refreshed_at,
        )

    @admin.display(description="Last fleet migration")
    def fleet_migration_status(self, obj: Tenant) -> str:
        last = billing_selectors.last_migration_for(schema_name=obj.schema_name)
        if last is None:
            return "no fleet migration has touched this blog yet"
        return format_html(
            "{} · {} migration(s) applied · {} · run {}{}",
            last.get_status_display(),
            last.applied,
            last.updated_at,
            last.run_id,
            f" · {last.error[:300]}" if last.error else "",
        )

    @admin.display(description="Audit log (latest)")
    def audit_trail(self, obj: Tenant) -> str:
        entries = billing_selectors.audit_for_tenant(tenant_id=obj.id, limit=10)
        return (
            format_html_join(
                "",
                "<div>{} · {} · {}</div>",
                ((e.created_at, e.actor_label, e.action) for e in entries),
            )
            or "-"
        )

    # --- permissions ----------------------------------------------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Blogs are made by provisioning (signup or `manage.py create_blog`), never by hand.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Tenant | None = None) -> bool:
        return False  # deletion is the audited, soft "Delete" action

    def save_model(self, request: HttpRequest, obj: Tenant, form, change: bool) -> None:
        before = {name: form.initial.get(name) for name in form.changed_data}
        super().save_model(request, obj, form, change)
        # The blog's name is part of the cached host -> tenant route, and of its cached pages.
        tenant_routing_invalidate(obj)
        transaction.on_commit(lambda: tenant_routing_invalidate(obj))
        blog_changed(schema=obj.schema_name)
        if form.changed_data:
            billing_services.audit_record(
                actor=request.user,
                action="tenant.edit",
                tenant_id=obj.id,
                before=before,
                after={name: form.cleaned_data.get(name) for name in form.changed_data},
            )

    # --- actions --------------------------------------------------------------------------

    @admin.action(description="Suspend selected blogs")
    def suspend(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        self._each(request, queryset, "Suspended", lifecycle.tenant_status_change,
                   status=Tenant.Status.SUSPENDED)  # fmt: skip

    @admin.action(description="Reactivate selected blogs")
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        self._each(request, queryset, "Reactivated", lifecycle.tenant_status_change,
                   status=Tenant.Status.ACTIVE)  # fmt: skip

    @admin.action(description="Change plan of selected blogs (choose the plan)")
    def change_plan(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        code = request.POST.get("plan", "")
        if code not in plan_data.PLAN_DEFAULTS:
            messages.error(request, "Choose a plan in the “Plan” box next to the action.")
            return
        for tenant in queryset:
            billing_services.subscription_plan_set(
                tenant_id=tenant.id, plan_code=code, actor=request.user
            )
        name = plan_data.PLAN_DEFAULTS[code]["name"]
        messages.success(request, f"Moved {len(queryset)} blog(s) to {name}.")

    @admin.action(description="Re-run migrations of selected blogs")
    def rerun_migrations(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        queued = 0
        for tenant in queryset:
            queued += lifecycle.tenant_migrations_rerun(tenant=tenant, actor=request.user)
        messages.success(
            request,
            f"Queued migrations for {queued} blog(s); {len(queryset) - queued} already up to "
            "date. Follow them under “Schema migrations”.",
        )

    @admin.action(description="Rebuild search of selected blogs")
    def rebuild_search(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        self._each(
            request, queryset, "Queued a search rebuild for", lifecycle.tenant_search_rebuild
        )

    @admin.action(description="Delete selected blogs (offline now, export kept, undo in grace)")
    def soft_delete(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        self._each(request, queryset, "Deleted", lifecycle.tenant_soft_delete)

    @admin.action(description="Undelete selected blogs")
    def undelete(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        self._each(request, queryset, "Undeleted", lifecycle.tenant_undelete)

    def _each(self, request: HttpRequest, queryset: QuerySet[Tenant], done: str, service,
              **kwargs) -> None:  # fmt: skip
        count = 0
        for tenant in queryset:
            try:
                service(tenant=tenant, actor=request.user, **kwargs)
            except ValueError as exc:
                messages.error(request, f"{tenant.subdomain}: {exc}")
                continue
            count += 1
        if count:
            messages.success(request, f"{done} {count} blog(s).")

    # --- dashboard ------------------------------------------------------------------------

    def console_view(self, request: HttpRequest) -> HttpResponse:
        signups = billing_selectors.signups_per_day(days=30)
        mrr = billing_selectors.mrr_cents()
        context = self.admin_site.each_context(request) | {
            "title": "Platform console",
            "mrr": mrr / 100,
            "pool_size": billing_selectors.pool_size(),
            "failed_migrations": billing_selectors.failed_migrations_count(),
            "charts": [
                charts.bar_chart_svg(
                    title="Signups per day (30 days)",
                    bars=[(day.strftime("%d %b"), n) for day, n in signups],
                ),
                charts.bar_chart_svg(title="Blogs by plan", bars=billing_selectors.blogs_by_plan()),
                charts.bar_chart_svg(
                    title="Monthly recurring revenue by plan ($)",
                    bars=[(name, c / 100) for name, c in billing_selectors.mrr_by_plan()],
                ),
                charts.bar_chart_svg(
                    title="Schemas by last fleet-migration status",
                    bars=billing_selectors.migrations_by_status(),
                ),
            ],
        }
        return TemplateResponse(request, "admin/tenants/console.html", context)


# Fleet migration status and the spare pool (tenants/admin_fleet.py).
from tenants import admin_fleet  # noqa: E402,F401
