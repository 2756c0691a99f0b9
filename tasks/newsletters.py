"""Subscriber and newsletter tasks, on the `newsletters` queue. They run in the schema of the
blog that queued them (tenant-schemas-celery)."""

import logging

from celery import shared_task
from django.db import connection

from audience import members, newsletters, sending
from audience import services as audience_services
from tasks.queue import RETRIED, batch_tenants, fan_out_fleet, task_tenant

logger = logging.getLogger(__name__)


@shared_task(**RETRIED | {"max_retries": 3})
def subscriber_confirmation_send(subscriber_id: int) -> bool:
    """Mail one confirmation link. The SMTP backend's errors retry the task a few times."""
    try:
        return audience_services.subscriber_confirmation_send(
            tenant=task_tenant(), subscriber_id=subscriber_id
        )
    except OSError as exc:  # smtplib's errors are OSErrors: the mail server is unreachable
        raise subscriber_confirmation_send.retry(exc=exc, countdown=30) from exc


@shared_task(**RETRIED | {"max_retries": 3})
def member_signin_send(email: str, next_path: str, name: str = "") -> None:
    """Mail one member's sign-in link; an unreachable mail server retries a few times."""
    try:
        members.member_signin_send(
            tenant=task_tenant(), email=email, next_path=next_path, name=name
        )
    except OSError as exc:
        raise member_signin_send.retry(exc=exc, countdown=30) from exc


@shared_task(**RETRIED | {"soft_time_limit": 600, "time_limit": 660}, bind=True)
def newsletter_send(self, newsletter_id: int) -> int:
    """Send (what is left of) one newsletter. Redelivered if the worker dies (acks_late); a
    run sends every address once, and a message in doubt again only with its Message-ID
    (audience.sending). Temporary failures come back later."""
    result = sending.newsletter_send_run(tenant=task_tenant(), newsletter_id=newsletter_id)
    if result.outcome in ("more", "retry"):
        # A new message rather than `retry()`: a long send is many runs, not "failures".
        newsletter_send.apply_async(
            args=[newsletter_id],
            countdown=result.retry_in,
            headers={"_schema_name": connection.schema_name},
        )
    elif result.outcome == "busy":
        # Another run holds the send's lock: it may be finishing, or it may be a dead worker's
        # connection the database has not closed yet. Look again shortly (cheap when done).
        logger.info("newsletter %s is being sent by another worker", newsletter_id)
        newsletter_send.apply_async(
            args=[newsletter_id], countdown=15, headers={"_schema_name": connection.schema_name}
        )
    return result.sent


@shared_task(acks_late=True)
def audience_sweep_dispatch() -> int:
    """Periodic: expire unconfirmed subscriptions and requeue stalled sends, in batches."""
    return fan_out_fleet(audience_sweep_batch)


@shared_task(**RETRIED)
def audience_sweep_batch(schema_names: list[str]) -> int:
    removed = 0
    for tenant in batch_tenants(schema_names):
        removed += audience_services.subscribers_expire()
        for newsletter_id in newsletters.newsletters_stalled():
            newsletter_send.apply_async(
                args=[newsletter_id], headers={"_schema_name": tenant.schema_name}
            )
    if removed:
        logger.info("removed %d unconfirmed subscription(s)", removed)
    return removed
