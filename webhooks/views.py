"""The dashboard's webhooks page (owners): endpoints, their delivery log, "send test"."""

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lib.errors import ApplicationError
from shared.accounts.permissions import owner_required
from shared.billing import services as billing_services
from shared.billing.exceptions import LimitReached
from webhooks import selectors, services
from webhooks.models import EVENTS


def _plan_note(request: HttpRequest) -> str | None:
    try:
        billing_services.limits_check_feature(tenant_id=request.tenant.id, feature="api_access")
    except LimitReached as exc:
        return exc.message
    return None


@owner_required
def webhooks_page(request: HttpRequest) -> HttpResponse:
    """List and register endpoints. A new endpoint's secret is shown once, on this answer."""
    new_secret, error, form = None, None, {"url": "", "events": list(EVENTS), "description": ""}
    if request.method == "POST":
        form = {
            "url": request.POST.get("url", ""),
            "events": request.POST.getlist("events"),
            "description": request.POST.get("description", ""),
        }
        try:
            _endpoint, new_secret = services.endpoint_create(
                tenant_id=request.tenant.id, user=request.user, **form
            )
            form = {"url": "", "events": list(EVENTS), "description": ""}
        except ApplicationError as exc:
            error = exc.message
    context = {
        "endpoints": selectors.endpoints_for(tenant_id=request.tenant.id),
        "events": EVENTS,
        "form": form,
        "new_secret": new_secret,
        "error": error,
        "plan_note": _plan_note(request),
    }
    return render(request, "webhooks/list.html", context, status=400 if error else 200)


@owner_required
def endpoint_log(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = selectors.endpoint_get(tenant_id=request.tenant.id, endpoint_id=pk)
    if endpoint is None:
        raise Http404
    deliveries = selectors.deliveries_for(tenant_id=request.tenant.id, endpoint_id=pk)
    return render(request, "webhooks/log.html", {"endpoint": endpoint, "deliveries": deliveries})


@owner_required
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.delivery_get(tenant_id=request.tenant.id, delivery_id=pk)
    if delivery is None:
        raise Http404
    payload = json.dumps(delivery.payload, indent=2, ensure_ascii=False)
    context = {"delivery": delivery, "endpoint": delivery.endpoint, "payload": payload}
    return render(request, "webhooks/delivery.html", context)


def _act(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    try:
        action(tenant_id=request.tenant.id, endpoint_id=pk)
    except ApplicationError as exc:
        if selectors.endpoint_get(tenant_id=request.tenant.id, endpoint_id=pk) is None:
            raise Http404 from exc
        messages.error(request, exc.message)
        return redirect("webhooks_dashboard")
    messages.success(request, done)
    return redirect("webhooks_dashboard")


@require_POST
@owner_required
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.endpoint_delete, "Webhook deleted: nothing more is sent.")


@require_POST
@owner_required
def endpoint_enable(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.endpoint_enable, "Webhook enabled again.")


@require_POST
@owner_required
def endpoint_test(request: HttpRequest, pk: int) -> HttpResponse:
    if selectors.endpoint_get(tenant_id=request.tenant.id, endpoint_id=pk) is None:
        raise Http404
    try:
        services.webhook_ping(tenant_id=request.tenant.id, endpoint_id=pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("webhooks_dashboard")
    messages.success(request, "Test event (ping) queued: its outcome shows in the log below.")
    return redirect("webhooks_endpoint", pk=pk)
