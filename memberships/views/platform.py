"""On the platform's root domain: Stripe's Connect webhook (every blog's account's events)
and the one return address of Connect OAuth, which sends the owner on to their blog."""

import logging
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from lib.urls import blog_url
from memberships import services
from memberships.webhooks import connect_event_receive
from shared.billing.webhooks import InvalidEvent
from tenants.models import Tenant

logger = logging.getLogger(__name__)
MAX_BODY = 512 * 1024  # Stripe's events are a few KB


@csrf_exempt
@require_POST
def connect_webhook(request: HttpRequest) -> HttpResponse:
    if len(request.body) > MAX_BODY:
        logger.warning("Connect webhook refused: body of %d bytes", len(request.body))
        return HttpResponse("too large", status=413, content_type="text/plain")
    try:
        received = connect_event_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except InvalidEvent as exc:
        logger.warning("Connect webhook refused: %s", exc.message)
        return HttpResponse(exc.message, status=400, content_type="text/plain")
    return HttpResponse(received.outcome, status=received.status, content_type="text/plain")


@require_GET
def connect_return(request: HttpRequest) -> HttpResponse:
    """Stripe's redirect after the owner chose (or refused) an account: on to the blog's
    dashboard with the same answer; the blog checks it (session, owner, nonce)."""
    data = services.connect_state_read(request.GET.get("state", ""))
    tenant = Tenant.objects.filter(id=data.get("t", 0)).first() if data else None
    if tenant is None:
        return HttpResponse(
            "This Stripe answer is not valid or has expired: connect again from your "
            "blog's dashboard.", status=400, content_type="text/plain",
        )  # fmt: skip
    keys = ("code", "state", "scope", "error", "error_description")
    query = urlencode({k: request.GET[k][:2000] for k in keys if k in request.GET})
    path = f"/dashboard/memberships/connect/done/?{query}"
    return HttpResponseRedirect(blog_url(subdomain=tenant.subdomain, request=request, path=path))
