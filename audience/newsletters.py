"""Newsletters: a post ticked "Email this post" becomes a newsletter, released when the post
goes live and sent by a worker (audience.sending)."""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from audience import dispatch, mail
from audience.models import Newsletter, Subscriber
from audience.services import blog_audience_settings_set, newsletter_limit_check
from blog.models import Post
from tenants.models import Tenant

logger = logging.getLogger(__name__)

Status = Subscriber.Status


def newsletter_wanted_check(*, tenant: Tenant, post: Post | None) -> None:
    """Before a post is published or scheduled with "Email this post": refuse (LimitReached)
    when the plan's emails for the month would not cover the subscribers."""
    if post is not None and Newsletter.objects.filter(post_id=post.id).exists():
        return  # already sent or on its way: nothing more will go out
    recipients = Subscriber.objects.filter(status=Status.CONFIRMED).count()
    newsletter_limit_check(tenant_id=tenant.id, recipients=recipients)


def newsletter_for_post(
    *, tenant: Tenant, post: Post, by_id: int | None, wanted: bool
) -> Newsletter | None:
    """After the editor saved `post`: remember the checkbox for the blog, and email the post
    (now if it is published, when it goes live if it is scheduled). A post is emailed once:
    saving it again, or unticking after it went out, changes nothing."""
    blog_audience_settings_set(email_posts=wanted)
    if post.kind != Post.Kind.POST:
        return None
    existing = Newsletter.objects.filter(post_id=post.id).first()
    if existing is not None:
        if existing.status == Newsletter.Status.SCHEDULED and (
            not wanted or post.status == Post.Status.DRAFT
        ):
            existing.delete()  # unticked, or back to draft, before it went live
            return None
        if existing.status == Newsletter.Status.SCHEDULED and post.is_published:
            return _newsletter_release(tenant=tenant, newsletter=existing)
        return existing
    if not wanted or post.status == Post.Status.DRAFT:
        return None
    status = Newsletter.Status.QUEUED if post.is_published else Newsletter.Status.SCHEDULED
    try:
        with transaction.atomic():
            newsletter = Newsletter.objects.create(
                post=post, subject=post.title, status=status, by_id=by_id
            )
    except IntegrityError:  # two saves at once: the other made it
        return Newsletter.objects.filter(post_id=post.id).first()
    if status == Newsletter.Status.QUEUED:
        _send_queue(tenant=tenant, newsletter_id=newsletter.id)
    return newsletter


def _newsletter_release(*, tenant: Tenant, newsletter: Newsletter) -> Newsletter:
    Newsletter.objects.filter(id=newsletter.id, status=Newsletter.Status.SCHEDULED).update(
        status=Newsletter.Status.QUEUED, subject=newsletter.post.title
    )
    _send_queue(tenant=tenant, newsletter_id=newsletter.id)
    newsletter.status = Newsletter.Status.QUEUED
    return newsletter


def newsletters_release_due(*, tenant: Tenant) -> int:
    """Scheduled posts that went live: their newsletters are queued (the scheduled publisher
    calls this after publishing). Idempotent."""
    due = list(
        Newsletter.objects.filter(
            status=Newsletter.Status.SCHEDULED, post__status=Post.Status.PUBLISHED
        ).select_related("post")
    )
    for newsletter in due:
        _newsletter_release(tenant=tenant, newsletter=newsletter)
    return len(due)


def _send_queue(*, tenant: Tenant, newsletter_id: int) -> None:
    dispatch.newsletter_send(newsletter_id, schema_name=tenant.schema_name)


def newsletters_stalled(*, older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Sends queued or sending for a while (their message may have been lost): the sweep
    queues them again; a send still running holds its lock and the extra message is dropped."""
    cutoff = timezone.now() - older_than
    return list(
        Newsletter.objects.filter(
            Q(status=Newsletter.Status.QUEUED, created_at__lt=cutoff)
            | Q(status=Newsletter.Status.SENDING, started_at__lt=cutoff)
        ).values_list("id", flat=True)
    )


def newsletter_test_send(*, tenant: Tenant, post: Post, to: str) -> None:
    """The post as subscribers will get it, to one member (not counted, nothing recorded)."""
    parts = mail.newsletter_parts(tenant=tenant, post=post)
    message = mail.newsletter_message(
        parts=parts,
        to=to,
        unsubscribe_url=mail.reader_url(tenant=tenant, path="/unsubscribe/test/"),
        message_id=None,
        subject_prefix="[Test] ",
    )
    message.send()
