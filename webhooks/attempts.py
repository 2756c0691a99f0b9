"""Attempts: a worker claims a due delivery, sends it (webhooks.delivery), records the
outcome, schedules the retry, and disables an endpoint whose deliveries have all failed for
QUIRE_WEBHOOK_DISABLE_AFTER_DAYS (its owner is told by email)."""

import json
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shared.accounts import selectors as account_selectors
from shared.accounts.emails import email_send
from tenants.selectors import tenant_reader_url
from webhooks import dispatch
from webhooks.delivery import (
    signature_header,
    webhook_send,
)
from webhooks.models import PING, WebhookDelivery, WebhookEndpoint
from webhooks.services import retry_schedule

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)


def _claim(*, delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take a due delivery for one attempt: its next attempt is pushed past the attempt's
    timeout, so a duplicate task finds it not due, and a worker that dies mid-attempt is
    retried by the sweep once that time passes."""
    lease = timedelta(seconds=settings.QUIRE_WEBHOOK_TIMEOUT + 60)
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("endpoint")
            .filter(
                id=delivery_id,
                status=WebhookDelivery.Status.PENDING,
                next_attempt_at__lte=now,
            )
            .first()
        )
        if delivery is None:
            return None
        delivery.next_attempt_at = now + lease
        delivery.save(update_fields=["next_attempt_at"])
    return delivery


def delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Send a due delivery once and record the outcome: delivered; pending with the next
    retry time (`QUIRE_WEBHOOK_RETRY_SECONDS`); or failed after the last retry. Returns None
    when there is nothing to do (already delivered, not due, taken by another worker), so
    running a task twice never sends twice while the first is in progress."""
    now = timezone.now()
    delivery = _claim(delivery_id=delivery_id, now=now)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Quire-Event": delivery.event,
        "Quire-Delivery": str(delivery.uuid),
        "Quire-Signature": signature_header(
            secret=endpoint.secret, body=body, timestamp=int(now.timestamp())
        ),
    }
    if endpoint.disabled_at is not None and delivery.event != PING:
        outcome = None
    else:
        outcome = webhook_send(
            url=endpoint.url, body=body, headers=headers, timeout=settings.QUIRE_WEBHOOK_TIMEOUT
        )
    done = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = done
    if outcome is None:
        delivery.error = "The webhook was disabled: not sent."
        delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
    else:
        delivery.response_code = outcome.status
        delivery.response_body = outcome.body
        delivery.duration_ms = outcome.duration_ms
        delivery.error = outcome.error
        schedule = retry_schedule()
        if outcome.ok:
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.SUCCEEDED, None
        elif delivery.attempts <= len(schedule):
            delay = schedule[delivery.attempts - 1]
            delivery.next_attempt_at = done + timedelta(seconds=delay)
        else:
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
    delivery.save()
    if outcome is not None and delivery.event != PING:
        _endpoint_health(endpoint=endpoint, delivery=delivery, now=done)
    if delivery.status == WebhookDelivery.Status.PENDING:
        _retry_queue(delivery=delivery, now=done)
    return delivery


def _retry_queue(*, delivery: WebhookDelivery, now: datetime) -> None:
    """A retry due soon is queued with a countdown; later ones are left to the every-minute
    sweep (a countdown of hours would sit in a worker's memory, and Redis would deliver it
    again past its visibility timeout)."""
    wait = (delivery.next_attempt_at - now).total_seconds()
    if wait > settings.QUIRE_WEBHOOK_COUNTDOWN_MAX:
        return
    dispatch.deliver_later(delivery.id, countdown=max(0.0, wait))  # else the sweep queues it


def _endpoint_health(
    *, endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime
) -> None:
    """A success clears the failing mark; a delivery that failed for good sets it, and an
    endpoint failing for QUIRE_WEBHOOK_DISABLE_AFTER_DAYS is disabled with the reason (shown
    to the owner on the webhooks page; "Enable" turns it back on)."""
    if delivery.status == WebhookDelivery.Status.SUCCEEDED:
        if endpoint.failing_since is not None:
            WebhookEndpoint.objects.filter(id=endpoint.id).update(failing_since=None)
        return
    if delivery.status != WebhookDelivery.Status.FAILED:
        return
    if endpoint.failing_since is None:
        WebhookEndpoint.objects.filter(id=endpoint.id, failing_since__isnull=True).update(
            failing_since=now
        )
    elif now - endpoint.failing_since >= timedelta(days=settings.QUIRE_WEBHOOK_DISABLE_AFTER_DAYS):
        reason = (
            f"Disabled on {now:%Y-%m-%d}: every delivery since {endpoint.failing_since:%Y-%m-%d} "
            f"failed (last: {delivery.error or delivery.response_code})."
        )[:300]
        disabled = WebhookEndpoint.objects.filter(id=endpoint.id, disabled_at__isnull=True).update(
            disabled_at=now, disabled_reason=reason
        )
        logger.info("webhook %s of blog %s disabled: %s", endpoint.id, endpoint.tenant_id, reason)
        if disabled:  # once, by whichever delivery disabled it
            transaction.on_commit(
                lambda: endpoint_disabled_email_send(endpoint_id=endpoint.id, reason=reason)
            )


def endpoint_disabled_email_send(*, endpoint_id: int, reason: str) -> bool:
    """Tell the blog's owner that an endpoint stopped getting events, why, and where to turn
    it back on. Never raises: the endpoint is disabled either way (a failure is logged)."""
    endpoint = WebhookEndpoint.objects.select_related("tenant").filter(id=endpoint_id).first()
    owner = account_selectors.tenant_owner_email(tenant_id=endpoint.tenant_id) if endpoint else None
    if endpoint is None or owner is None:
        return False
    tenant = endpoint.tenant
    page = tenant_reader_url(tenant=tenant, path="/dashboard/api/webhooks/")
    try:
        email_send(
            template="webhook_disabled",
            to=[owner],
            context={"blog": tenant.name, "url": endpoint.url, "reason": reason, "page": page},
            sender_name=tenant.name,
            sender_url=tenant_reader_url(tenant=tenant),
        )
    except Exception:  # SMTP errors are many
        logger.exception("could not email %s about disabled webhook %s", owner, endpoint_id)
        return False
    return True


def deliveries_due(*, now: datetime, limit: int = 500) -> list[int]:
    """Pending deliveries whose attempt is due (a lost task, a retry left to the sweep)."""
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )


def deliveries_prune(*, before: datetime) -> int:
    """The log keeps QUIRE_WEBHOOK_LOG_DAYS of finished deliveries."""
    old = WebhookDelivery.objects.filter(created_at__lt=before).exclude(
        status=WebhookDelivery.Status.PENDING
    )
    return old.delete()[0]
