"""Scheduled publishing: every minute, open only the blogs that have a post due."""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from audience import newsletters
from blog import selectors as blog_selectors
from blog import services as blog_services
from tasks.queue import RETRIED, fan_out
from tenants import selectors as tenant_selectors
from tenants import services as tenant_services
from tenants.context import tenant_context

logger = logging.getLogger(__name__)

BATCH = 100


@shared_task(acks_late=True)
def publish_due_dispatch() -> int:
    """Periodic (every minute): one message per batch of blogs that have something due."""
    batches = tenant_selectors.due_schema_batches(now=timezone.now(), size=BATCH)
    return fan_out(publish_due_batch, batches)


@shared_task(**RETRIED)
def publish_due_batch(schema_names: list[str]) -> int:
    """Publish what is due in each blog of the batch. Running it twice publishes nothing twice:
    only posts still `scheduled` are published."""
    published = 0
    now = timezone.now()
    for tenant in tenant_selectors.tenants_by_schema(schema_names=schema_names):
        with transaction.atomic():
            if not tenant_services.publish_schedule_lock(tenant_id=tenant.id):
                continue  # another run got here first and found nothing left
            with tenant_context(tenant):
                done = blog_services.post_publish_due(tenant_id=tenant.id, now=now)
                if done:  # posts ticked "Email this post" are mailed now that they are live
                    newsletters.newsletters_release_due(tenant=tenant)
                published += done
                next_due = blog_selectors.next_scheduled_at()
            tenant_services.publish_schedule_set(tenant_id=tenant.id, next_due_at=next_due)
    if published:
        logger.info("published %d scheduled post(s) in %d blog(s)", published, len(schema_names))
    return published
