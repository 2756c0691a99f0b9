"""Reads for the webhooks page: always one blog's rows (public-schema tables)."""

from django.db.models import QuerySet

from webhooks.models import WebhookDelivery, WebhookEndpoint

LOG_SIZE = 50


def endpoints_for(*, tenant_id: int) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(tenant_id=tenant_id)


def endpoint_get(*, tenant_id: int, endpoint_id: int) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(tenant_id=tenant_id, id=endpoint_id).first()


def deliveries_for(*, tenant_id: int, endpoint_id: int) -> list[WebhookDelivery]:
    """The endpoint's newest deliveries, without their payloads."""
    return list(
        WebhookDelivery.objects.filter(endpoint__tenant_id=tenant_id, endpoint_id=endpoint_id)
        .defer("payload")
        .order_by("-created_at", "-id")[:LOG_SIZE]
    )


def delivery_get(*, tenant_id: int, delivery_id: int) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.filter(endpoint__tenant_id=tenant_id, id=delivery_id)
        .select_related("endpoint")
        .first()
    )
