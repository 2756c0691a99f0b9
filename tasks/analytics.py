"""Reader counts from Redis into PostgreSQL (periodic, every minute; see analytics.services)."""

from celery import shared_task

from analytics import services as analytics_services
from tasks.queue import RETRIED


@shared_task(**RETRIED)
def analytics_flush() -> int:
    """Idempotent and safe to run twice at once: each batch of counts is added exactly once."""
    return analytics_services.analytics_flush()
