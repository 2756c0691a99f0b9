"""The platform console: Django admin for blogs, with audited staff actions and a dashboard.

Staff only, root domain only (blog hosts have no admin URLs). Every action goes through a
service in tenants.lifecycle or shared.billing.services, which writes the audit log
(shared.console). Every action, from the list or from a blog's page, first shows a
confirmation page asking for a reason (required to suspend or delete).
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from analytics import selectors as analytics_selectors
from analytics.charts import daily_chart_svg
from blog.cache import blog_changed
from comments import stats as comment_stats
from lib.errors import ApplicationError, error_message
from shared.accounts.models import Membership
from shared.billing import plans as plan_data
from shared.billing import selectors as billing_selectors
from shared.billing import services as billing_services
from shared.billing.models import Subscription
from shared.console import charts
from shared.console import selectors as console_selectors
from shared.console.services import audit_log_record
from staff.actions import ACTIONS, ConsoleActionForm, Status, reason_suffix
from staff.filters import BillingStatusFilter, DomainInline, PlanFilter
from tenants import fleet, lifecycle
from tenants import selectors as tenant_selectors
from tenants.models import Domain, Tenant
from tenants.routing import tenant_routing_invalidate


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
    change_form_template = "admin/tenants/tenant/change_form.html"
    change_list_template = "admin/tenants/tenant/change_list.html"
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
        last = console_selectors.last_migration_for(schema_name=obj.schema_name)
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
        entries = console_selectors.audit_for_tenant(tenant_id=obj.id, limit=10)
        return (
            format_html_join(
                "",
                "<div>{} · {} · {}{}</div>",
                ((e.created_at, e.actor_label, e.action, reason_suffix(e.after)) for e in entries),
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
            audit_log_record(
                actor=request.user,
                action="tenant.edit",
                tenant=obj,
                before=before,
                after={name: form.cleaned_data.get(name) for name in form.changed_data},
            )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        tenant = self.get_object(request, object_id)
        extra = {}
        if tenant is not None:
            extra = {
                "blog_url": tenant_selectors.tenant_url(tenant=tenant, request=request),
                "console_actions": [
                    (name, action) for name, action in ACTIONS.items()
                    if tenant.status in action.applies_to
                ],
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            }  # fmt: skip
        return super().change_view(request, object_id, form_url, extra | (extra_context or {}))

    # --- actions: each shows a confirmation page first -----------------------------------

    @admin.action(description="Suspend selected blogs…")
    def suspend(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse:
        return self._confirm_then_run(request, queryset, "suspend")

    @admin.action(description="Reactivate selected blogs…")
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse:
        return self._confirm_then_run(request, queryset, "reactivate")

    @admin.action(description="Change plan of selected blogs…")
    def change_plan(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse:
        return self._confirm_then_run(request, queryset, "change_plan")

    @admin.action(description="Re-run migrations of selected blogs…")
    def rerun_migrations(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse:
        return self._confirm_then_run(request, queryset, "rerun_migrations")

    @admin.action(description="Rebuild search of selected blogs…")
    def rebuild_search(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse:
        return self._confirm_then_run(request, queryset, "rebuild_search")

    @admin.action(description="Delete selected blogs… (offline now, export kept, undo in grace)")
    def soft_delete(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse:
        return self._confirm_then_run(request, queryset, "soft_delete")

    @admin.action(description="Undelete selected blogs…")
    def undelete(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse:
        return self._confirm_then_run(request, queryset, "undelete")

    def _service_for(
        self, name: str, request: HttpRequest, data: dict
    ) -> Callable[[Tenant], object]:
        """One call of the service behind action `name` for one blog."""
        actor, reason = request.user, data.get("reason", "")
        services: dict[str, Callable[[Tenant], object]] = {
            "suspend": lambda t: lifecycle.tenant_status_change(
                tenant=t, status=Status.SUSPENDED, actor=actor, reason=reason
            ),
            "reactivate": lambda t: lifecycle.tenant_status_change(
                tenant=t, status=Status.ACTIVE, actor=actor, reason=reason
            ),
            "change_plan": lambda t: billing_services.subscription_plan_set(
                tenant_id=t.id, plan_code=data.get("plan", ""), actor=actor, reason=reason
            ),
            "rerun_migrations": lambda t: lifecycle.tenant_migrations_rerun(
                tenant=t, actor=actor, reason=reason
            ),
            "rebuild_search": lambda t: lifecycle.tenant_search_rebuild(
                tenant=t, actor=actor, reason=reason
            ),
            "soft_delete": lambda t: lifecycle.tenant_soft_delete(
                tenant=t, actor=actor, reason=reason
            ),
            "undelete": lambda t: lifecycle.tenant_undelete(tenant=t, actor=actor, reason=reason),
        }
        return services[name]

    def _confirm_then_run(
        self, request: HttpRequest, queryset: QuerySet[Tenant], name: str
    ) -> HttpResponse:
        """Django's delete-confirmation pattern: the first POST (from the action menu or a
        blog's button) shows what will happen and asks for the reason; the confirming POST
        runs the service for each blog. Errors a person can act on (ApplicationError) are
        shown per blog; anything else is a bug and propagates."""
        action = ACTIONS[name]
        confirming = request.POST.get("confirm") == "yes"
        form = ConsoleActionForm(request.POST if confirming else None, action=action)
        tenants = list(queryset.order_by("subdomain"))
        from_change = request.POST.get("from_change") == "1" and len(tenants) == 1
        if confirming and form.is_valid():
            run = self._service_for(name, request, form.cleaned_data)
            done = 0
            for tenant in tenants:
                try:
                    result = run(tenant)
                except ApplicationError as exc:
                    error_message(request, exc, prefix=f"{tenant.subdomain}: ")
                    continue
                done += result is not False  # rerun_migrations: False = already up to date
            if name == "rerun_migrations":
                messages.success(
                    request,
                    f"Queued migrations for {done} blog(s); {len(tenants) - done} already up to "
                    "date. Follow them under “Schema migrations”.",
                )
            elif name == "change_plan" and done:
                plan = plan_data.PLAN_DEFAULTS[form.cleaned_data["plan"]]["name"]
                messages.success(request, f"Moved {done} blog(s) to {plan}.")
            elif done:
                messages.success(request, f"{action.done} {done} blog(s).")
            if from_change:
                url = reverse("admin:tenants_tenant_change", args=[tenants[0].pk])
                return HttpResponseRedirect(url)
            return HttpResponseRedirect(reverse("admin:tenants_tenant_changelist"))
        context = self.admin_site.each_context(request) | {
            "title": f"{action.title}: are you sure?",
            "opts": self.model._meta,
            "action_name": name,
            "action": action,
            "tenants": tenants,
            "form": form,
            "from_change": from_change,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/tenants/tenant/action_confirmation.html", context)

    # --- dashboard ------------------------------------------------------------------------

    def console_view(self, request: HttpRequest) -> HttpResponse:
        signups = console_selectors.signups_per_day(days=30)
        today = timezone.now().date()
        platform_views = analytics_selectors.platform_views_per_day(days=30, today=today)
        most_read = analytics_selectors.most_read_blogs(days=30, today=today)
        volume = sorted(
            comment_stats.comment_volume(days=30, today=today).items(),
            key=lambda item: -item[1]["all"],
        )[:20]
        names = dict(
            Tenant.objects.filter(
                id__in=[t for t, *_ in most_read] + [t for t, _ in volume]
            ).values_list("id", "name")
        )
        mrr = billing_selectors.mrr_cents()
        context = self.admin_site.each_context(request) | {
            "title": "Platform console",
            "mrr": mrr / 100,
            "pool_size": console_selectors.spare_pool_size(migration_state=fleet.migration_state()),
            "failed_migrations": console_selectors.failed_migrations_count(),
            "views_chart": daily_chart_svg(
                title="Reader views per day, every blog (30 days)",
                days=[day for day, *_ in platform_views],
                bars=("Views", [views for _day, views, _feeds in platform_views]),
                line=("Feed fetches", [feeds for _day, _views, feeds in platform_views]),
            ),
            "most_read": [(tid, names.get(tid, f"blog {tid}"), v, u) for tid, v, u in most_read],
            "comment_volume": [
                (
                    tid,
                    names.get(tid, f"blog {tid}"),
                    n["all"],
                    n.get("spam", 0),
                    round(100 * n.get("spam", 0) / n["all"]) if n["all"] else 0,
                )
                for tid, n in volume
            ],  # fmt: skip
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
                    bars=console_selectors.migrations_by_status(),
                ),
            ],
        }
        return TemplateResponse(request, "admin/tenants/console.html", context)


# Custom domains, fleet migration status and the spare pool have modules of their own.
from staff import admin_domains, admin_fleet  # noqa: E402,F401
