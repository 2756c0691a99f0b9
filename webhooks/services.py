"""Writes for outgoing webhooks: endpoints, events, delivery attempts.

Events are emitted by the services that change what they describe (the post services in
`blog/services/posts.py`, which the dashboard and the Admin API both call; membership
changes through `receivers.py`). `webhook_event_emit` runs inside the caller's transaction:
the delivery rows are written in it (public schema, same connection) and their tasks are
queued after commit, so a rolled-back save sends nothing. With no endpoint for the event it
costs one indexed query.
"""

import logging
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lib.errors import ApplicationError
from shared.accounts.models import User
from shared.billing import services as billing_services
from shared.billing.exceptions import LimitReached
from tenants.models import Tenant
from tenants.selectors import tenant_reader_url
from webhooks import dispatch
from webhooks.delivery import (
    DeliveryRefused,
    destination_check,
    url_check,
)
from webhooks.models import EVENTS, PING, WebhookDelivery, WebhookEndpoint

if TYPE_CHECKING:
    from blog.models import Post

logger = logging.getLogger(__name__)

MAX_ENDPOINTS = 10
SECRET_PREFIX = "whsec_"


class WebhookInvalid(ApplicationError):
    pass


def retry_schedule() -> list[float]:
    """Seconds to wait before each retry; the attempt after the last one fails for good."""
    return list(settings.QUIRE_WEBHOOK_RETRY_SECONDS)


# --- endpoints --------------------------------------------------------------------------------


def endpoint_create(
    *, tenant_id: int, user: User, url: str, events: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register `url` for `events`: (row, its signing secret, shown once). Needs the plan's
    API feature; an address that is, or resolves to, a private or local one is refused, by
    the check each delivery makes again (`destination_check`)."""
    billing_services.limits_check_feature(tenant_id=tenant_id, feature="api_access")
    url = url.strip()
    if not url:
        raise WebhookInvalid("Give the address to send events to.", extra={"field": "url"})
    if len(url) > 500:
        raise WebhookInvalid("The address is too long (500 characters at most).")
    try:
        url_check(url)
    except DeliveryRefused as exc:
        raise WebhookInvalid(str(exc), extra={"field": "url"}) from exc
    chosen = [e for e in EVENTS if e in set(events)]
    if not chosen or len(chosen) != len(set(events)):
        raise WebhookInvalid("Choose at least one of the events listed.", extra={"field": "events"})
    if WebhookEndpoint.objects.filter(tenant_id=tenant_id).count() >= MAX_ENDPOINTS:
        raise WebhookInvalid(f"A blog can have {MAX_ENDPOINTS} webhooks: delete one first.")
    try:  # last: it asks DNS
        destination_check(url)
    except DeliveryRefused as exc:
        raise WebhookInvalid(str(exc), extra={"field": "url"}) from exc
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        tenant_id=tenant_id,
        url=url,
        events=chosen,
        description=" ".join(description.split())[:200],
        secret=secret,
        created_by=user,
    )
    return endpoint, secret


def _endpoint(*, tenant_id: int, endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(tenant_id=tenant_id, id=endpoint_id).first()
    if endpoint is None:
        raise WebhookInvalid("No such webhook.")
    return endpoint


def endpoint_delete(*, tenant_id: int, endpoint_id: int) -> None:
    """Its deliveries go with it (queued ones find nothing and stop)."""
    _endpoint(tenant_id=tenant_id, endpoint_id=endpoint_id).delete()


def endpoint_enable(*, tenant_id: int, endpoint_id: int) -> WebhookEndpoint:
    endpoint = _endpoint(tenant_id=tenant_id, endpoint_id=endpoint_id)
    endpoint.disabled_at, endpoint.disabled_reason, endpoint.failing_since = None, "", None
    endpoint.save(update_fields=["disabled_at", "disabled_reason", "failing_since"])
    return endpoint


# --- events -----------------------------------------------------------------------------------


def _envelope(*, tenant: Tenant, event: str, data: dict) -> dict:
    return {
        "event": event,
        "created_at": timezone.now().isoformat(),
        "blog": {
            "id": tenant.id,
            "subdomain": tenant.subdomain,
            "url": tenant_reader_url(tenant=tenant),
        },
        "data": data,
    }


def _deliveries_make(
    *, endpoints: list[WebhookEndpoint], tenant: Tenant, event: str, data: dict
) -> list[WebhookDelivery]:
    now = timezone.now()
    made = []
    for endpoint in endpoints:
        delivery = WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=now)
        delivery.payload = {
            "id": str(delivery.uuid),
            **_envelope(tenant=tenant, event=event, data=data),
        }
        made.append(delivery)
    WebhookDelivery.objects.bulk_create(made)
    for delivery in made:
        dispatch.deliver(delivery.id)
    return made


def webhook_event_emit(*, tenant_id: int, event: str, data: dict | Callable[[Tenant], dict]) -> int:
    """Queue `event` to every enabled endpoint of the blog that asked for it; returns how many.
    `data` may be a function of the blog, called only when someone listens. A plan without
    the API sends nothing (a downgrade stops deliveries; endpoints are kept)."""
    return webhook_events_emit(tenant_id=tenant_id, events=[event], data=data)


def webhook_events_emit(
    *, tenant_id: int, events: list[str], data: dict | Callable[[Tenant], dict]
) -> int:
    """`webhook_event_emit` for several events of one change at once (a comment created and
    published), with the same data: one look-up of the blog's endpoints for all of them."""
    for event in events:
        if event not in EVENTS:
            raise ValueError(f"unknown webhook event {event!r}")
    endpoints = list(
        WebhookEndpoint.objects.filter(
            tenant_id=tenant_id, disabled_at__isnull=True, events__overlap=events
        )
    )
    if not endpoints:
        return 0
    try:
        billing_services.limits_check_feature(tenant_id=tenant_id, feature="api_access")
    except LimitReached:
        return 0
    tenant = Tenant.objects.get(id=tenant_id)
    payload = data(tenant) if callable(data) else data
    made = 0
    with transaction.atomic():
        for event in events:
            listening = [e for e in endpoints if event in e.events]
            if listening:
                made += len(
                    _deliveries_make(endpoints=listening, tenant=tenant, event=event, data=payload)
                )
    return made


def post_event_emit(*, tenant_id: int, event: str, post: "Post") -> int:
    """`post.published` / `updated` / `unpublished` / `deleted` for `post` as it is now: the
    post as the Content API names it, without its body (fetch
    `/api/content/v1/posts/slug/<slug>/` for that)."""
    fields = {
        "id": post.id,
        "kind": post.kind,
        "status": post.status,
        "slug": post.slug,
        "title": post.title,
        "excerpt": post.excerpt,
        "tags": list(post.tags),
        "author_id": post.author_id,
        "published_at": post.published_at.isoformat() if post.published_at else None,
        "updated_at": post.updated_at.isoformat() if post.updated_at else None,
    }

    def data(tenant: Tenant) -> dict:
        url = tenant_reader_url(tenant=tenant, path=f"/{post.slug}/")
        return {"post": {**fields, "url": url}}

    return webhook_event_emit(tenant_id=tenant_id, event=event, data=data)


def webhook_ping(*, tenant_id: int, endpoint_id: int) -> WebhookDelivery:
    """The dashboard's "send test": a `ping` delivery to this endpoint, even when disabled."""
    billing_services.limits_check_feature(tenant_id=tenant_id, feature="api_access")
    endpoint = _endpoint(tenant_id=tenant_id, endpoint_id=endpoint_id)
    tenant = Tenant.objects.get(id=tenant_id)
    data = {"endpoint": {"id": endpoint.id, "url": endpoint.url, "events": endpoint.events}}
    with transaction.atomic():
        return _deliveries_make(endpoints=[endpoint], tenant=tenant, event=PING, data=data)[0]
