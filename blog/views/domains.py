"""The owner's Domain page: add a custom domain, see the DNS records, check, make primary."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shared.accounts.permissions import owner_required
from shared.billing.exceptions import LimitReached
from shared.billing.services import limits_check_feature
from tenants import domains
from tenants.models import CustomDomain


def _page(request: HttpRequest, *, error: str = "", value: str = "", status: int = 200):
    tenant = request.tenant
    custom = CustomDomain.objects.filter(tenant_id=tenant.id).first()
    upgrade_url = ""
    try:
        limits_check_feature(tenant_id=tenant.id, feature="custom_domain")
    except LimitReached as exc:
        upgrade_url, error = exc.upgrade_url, error or str(exc)
    context = {
        "role": request.role,
        "custom": custom,
        "records": domains.custom_domain_records(custom_domain=custom) if custom else [],
        "error": error,
        "value": value,
        "upgrade_url": upgrade_url,
    }
    return render(request, "blog/dashboard/domain.html", context, status=status)


@owner_required
def domain(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    value = request.POST.get("domain", "")
    try:
        domains.custom_domain_add(tenant=request.tenant, domain=value, actor=request.user)
    except LimitReached as exc:
        return _page(request, error=str(exc), value=value, status=403)
    except domains.DomainError as exc:
        return _page(request, error=str(exc), value=value, status=400)
    return redirect("domain")


@owner_required
@require_POST
def domain_check(request: HttpRequest) -> HttpResponse:
    try:
        domains.custom_domain_check_now(tenant=request.tenant)
    except domains.DomainError as exc:
        return _page(request, error=str(exc), status=400)
    return redirect("domain")


@owner_required
@require_POST
def domain_primary(request: HttpRequest) -> HttpResponse:
    primary = request.POST.get("primary") == "1"
    try:
        domains.custom_domain_set_primary(
            tenant=request.tenant, primary=primary, actor=request.user
        )
    except LimitReached as exc:
        return _page(request, error=str(exc), status=403)
    except domains.DomainError as exc:
        return _page(request, error=str(exc), status=400)
    return redirect("domain")


@owner_required
@require_POST
def domain_remove(request: HttpRequest) -> HttpResponse:
    try:
        domains.custom_domain_remove(tenant_id=request.tenant.id, actor=request.user)
    except domains.DomainError as exc:
        return _page(request, error=str(exc), status=400)
    return redirect("domain")
