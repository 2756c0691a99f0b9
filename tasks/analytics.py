"""Reader counts from Redis into PostgreSQL (periodic, every minute; see analytics.services)."""

from analytics import services as analytics_services
from config.celery import app
from tasks.queue import RETRIED


@app.task(**RETRIED)
def analytics_flush() -> int:
    """Idempotent and safe to run twice at once: each batch of counts is added exactly once."""
    return analytics_services.analytics_flush()
