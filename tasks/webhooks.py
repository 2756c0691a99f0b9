"""Outgoing webhooks (queue `webhooks`): one attempt per message, retries by time.

`webhook_deliver` is queued after the commit of the change it reports (and again, with a
countdown, for a retry due within minutes); `webhook_deliveries_sweep` (every minute) queues
whatever is due and was not queued: later retries, messages lost while Redis was down, or an
attempt whose worker died. An attempt claims its delivery first, so a duplicate message is a
no-op.
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from lib.queue import enqueue
from tasks.queue import RETRIED
from webhooks import attempts as webhook_attempts


@shared_task(**RETRIED)
def webhook_deliver(delivery_id: int) -> str:
    delivery = webhook_attempts.delivery_attempt(delivery_id=delivery_id)
    return "skipped" if delivery is None else delivery.status


@shared_task(acks_late=True)
def webhook_deliveries_sweep() -> int:
    now = timezone.now()
    ids = webhook_attempts.deliveries_due(now=now)
    for delivery_id in ids:
        enqueue(webhook_deliver.name, delivery_id)
    webhook_attempts.deliveries_prune(before=now - timedelta(days=settings.QUIRE_WEBHOOK_LOG_DAYS))
    return len(ids)
