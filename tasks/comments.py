"""Comment tasks, on the default queue: the spam check, notification mails, and the daily
digest and sweep over the fleet. They run in the schema of the blog that queued them."""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from comments import notify, services, spam
from comments.models import Comment
from comments.rules import comment_rules_get
from tasks.queue import RETRIED, batch_tenants, fan_out_fleet, task_tenant
from tenants.selectors import tenant_reader_url

logger = logging.getLogger(__name__)


@shared_task(**RETRIED | {"max_retries": 8})
def comment_spam_check(comment_id: int) -> bool:
    """Ask Akismet about a comment waiting on it; Akismet unreachable retries with backoff,
    and a comment never checked stays waiting for a moderator (it is never lost)."""
    tenant = task_tenant()
    comment = Comment.objects.select_related("post").filter(id=comment_id).first()
    rules = comment_rules_get()
    if comment is None or comment.reason != services.SPAM_CHECK:
        return False
    if not rules.akismet_key:  # the key was removed meanwhile: approve as the rules now say
        return services.comment_spam_verdict(tenant_id=tenant.id, comment_id=comment_id, spam=False)
    try:
        verdict = spam.akismet_verdict(
            key=rules.akismet_key,
            blog_url=tenant_reader_url(tenant=tenant, path="/"),
            comment=comment,
            permalink=tenant_reader_url(tenant=tenant, path=f"/{comment.post.slug}/"),
        )
    except spam.AkismetKeyInvalid:  # no retry helps: a moderator decides, the owner is told
        logger.warning("Akismet refused the key of %s: comment %s left for a moderator",
                       tenant.schema_name, comment_id)  # fmt: skip
        Comment.objects.filter(id=comment_id, reason=services.SPAM_CHECK).update(
            reason="Akismet refused the key: check it in Comments → Rules"[:100]
        )
        return False
    except spam.SpamCheckUnavailable as exc:
        countdown = min(30 * 2**comment_spam_check.request.retries, 3600)
        raise comment_spam_check.retry(exc=exc, countdown=countdown) from exc
    return services.comment_spam_verdict(tenant_id=tenant.id, comment_id=comment_id, spam=verdict)


@shared_task(**RETRIED | {"max_retries": 3})
def comment_notify(comment_id: int, author: bool = True) -> int:
    try:
        return len(
            notify.comment_notify(tenant=task_tenant(), comment_id=comment_id, author=author)
        )
    except OSError as exc:  # the mail server is unreachable
        raise comment_notify.retry(exc=exc, countdown=60) from exc


@shared_task
def comments_daily_dispatch() -> int:
    """Periodic, daily: digests, in batches of blogs."""
    return fan_out_fleet(comments_daily_batch)


@shared_task(**RETRIED)
def comments_daily_batch(schema_names: list[str]) -> int:
    sent = 0
    for tenant in batch_tenants(schema_names):
        try:
            sent += notify.comments_digest(tenant=tenant)
        except OSError:
            logger.warning(
                "comment digest of %s not sent: mail server unreachable", tenant.schema_name
            )
    return sent


@shared_task
def comments_sweep_dispatch() -> int:
    """Periodic: spam checks whose message was lost (broker down) are queued again."""
    return fan_out_fleet(comments_sweep_batch)


@shared_task(**RETRIED)
def comments_sweep_batch(schema_names: list[str]) -> int:
    queued = 0
    cutoff = timezone.now() - timedelta(minutes=10)
    for tenant in batch_tenants(schema_names):
        waiting = Comment.objects.filter(
            status=Comment.Status.PENDING, reason=services.SPAM_CHECK, created_at__lt=cutoff
        ).values_list("id", flat=True)[:500]
        for comment_id in waiting:
            comment_spam_check.apply_async(
                args=[comment_id], headers={"_schema_name": tenant.schema_name}
            )
            queued += 1
    return queued
