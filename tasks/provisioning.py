"""Keeping the spare-schema pool full."""

from celery import shared_task

from tenants import pool


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def pool_refill() -> int:
    """After claims and on a schedule. Concurrent runs may overshoot by a few spares: harmless."""
    return pool.pool_fill()
