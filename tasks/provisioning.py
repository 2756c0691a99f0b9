"""Keeping the spare-schema pool full."""

from config.celery import app
from tenants import pool


@app.task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def pool_refill() -> int:
    """After claims and on a schedule. Concurrent runs may overshoot by a few spares: harmless."""
    return pool.pool_fill()
