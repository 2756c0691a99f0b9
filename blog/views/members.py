"""The owner's members screen: who writes for the blog, invitations by email."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from blog.allowance import plan_allowances_get
from blog.forms import InviteForm
from shared.accounts import selectors as account_selectors
from shared.accounts import services as account_services
from shared.accounts.models import Membership
from shared.accounts.permissions import owner_required
from shared.accounts.ratelimits import rate_limited
from shared.billing.exceptions import LimitReached
from tenants.selectors import tenant_url


def _page(
    request: HttpRequest,
    form: InviteForm,
    error: str | None = None,
    upgrade_url: str | None = None,
) -> HttpResponse:
    tenant_id = request.tenant.id
    context = {
        "form": form,
        "error": error,
        "upgrade_url": upgrade_url,
        "members": account_selectors.tenant_members(tenant_id=tenant_id),
        "invitations": account_selectors.invitations_pending(tenant_id=tenant_id),
        "role": request.role,
        "roles": Membership.Role.choices,
        "plan": plan_allowances_get(tenant_id=tenant_id),
    }
    return render(request, "blog/dashboard/members.html", context)


@owner_required
@rate_limited("invitation_send")
def members(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.invitation_create(
                tenant_id=request.tenant.id,
                blog_name=request.tenant.name,
                invited_by=request.user,
                url_base=tenant_url(tenant=request.tenant, request=request, path=""),
                **form.cleaned_data,
            )
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("members")
        except account_services.InvitationInvalid as exc:
            form.add_error(None, str(exc))
        except LimitReached as exc:
            return _page(request, form, error=str(exc), upgrade_url=exc.upgrade_url)
    return _page(request, form)


@owner_required
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        try:
            account_services.membership_remove(membership_id=pk, tenant_id=request.tenant.id)
        except account_services.InvitationInvalid as exc:
            return _page(request, InviteForm(), error=str(exc))
    return redirect("members")


@owner_required
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        try:
            account_services.membership_role_set(
                membership_id=pk, tenant_id=request.tenant.id, role=request.POST.get("role", "")
            )
        except account_services.InvitationInvalid as exc:
            return _page(request, InviteForm(), error=str(exc))
    return redirect("members")


@owner_required
def invitation_revoke(request: HttpRequest, invitation_id: str) -> HttpResponse:
    if request.method == "POST":
        account_services.invitation_revoke(invitation_id=invitation_id, tenant_id=request.tenant.id)
    return redirect("members")
