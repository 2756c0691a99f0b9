"""Billing views: the blog owner's billing page (blog host) and Stripe's webhook (root)."""

import logging
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shared.accounts import selectors as account_selectors
from shared.accounts.models import Membership
from shared.billing import checkout, selectors, services, stripe_api, webhooks
from shared.billing.exceptions import BillingNotConfigured, CheckoutFailed

logger = logging.getLogger(__name__)


def owner_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in and the owner of this blog (billing is the owner's business only)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        role = account_selectors.membership_role(user=request.user, tenant_id=request.tenant.id)
        if role != Membership.Role.OWNER:
            return render(request, "billing/owner_only.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


@owner_required
def billing_page(request: HttpRequest) -> HttpResponse:
    context = {
        "subscription": services.subscription_get_or_create(tenant_id=request.tenant.id),
        "plans": selectors.plans_list(),
        "usage": selectors.usage_for_tenant(tenant_id=request.tenant.id),
        "configured": stripe_api.billing_configured(),
        "checkout_done": request.GET.get("checkout") == "done",
    }
    return render(request, "billing/billing.html", context)


@require_POST
@owner_required
def checkout_start(request: HttpRequest) -> HttpResponse:
    back = request.build_absolute_uri("/dashboard/billing/")  # this blog host: its session
    try:
        url = checkout.checkout_session_create(
            tenant_id=request.tenant.id,
            plan_code=request.POST.get("plan", ""),
            customer_email=request.user.email,
            success_url=f"{back}?checkout=done",
            cancel_url=back,
        )
    except (BillingNotConfigured, CheckoutFailed) as exc:
        messages.error(request, str(exc))
        return redirect("/dashboard/billing/")
    return redirect(url)


@require_POST
@owner_required
def portal_start(request: HttpRequest) -> HttpResponse:
    back = request.build_absolute_uri("/dashboard/billing/")  # this blog host: its session
    try:
        url = checkout.portal_session_create(tenant_id=request.tenant.id, return_url=back)
    except (BillingNotConfigured, CheckoutFailed) as exc:
        messages.error(request, str(exc))
        return redirect("/dashboard/billing/")
    return redirect(url)


@csrf_exempt  # Stripe cannot send a CSRF token; the signature is the authentication
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        event = webhooks.stripe_event_verify(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except webhooks.InvalidEvent as exc:
        logger.warning("Stripe webhook refused: %s", exc.message)
        return HttpResponseBadRequest(exc.message)
    return JsonResponse({"outcome": webhooks.stripe_event_apply(event=event)})
