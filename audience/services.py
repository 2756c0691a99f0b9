"""Writes for a blog's subscribers and newsletters. Run in the blog's schema; the blog is passed
in (`tenant=`), never read from the connection.

Sending itself (SMTP, deliveries) is in `audience.sending`; the Celery tasks in
`tasks.newsletters` call these.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from audience import dispatch, mail, tokens
from audience.models import Delivery, Subscriber
from blog.cache import blog_changed
from blog.models import BlogSettings
from lib.errors import ApplicationError
from shared.billing import services as billing_services
from shared.billing.exceptions import LimitReached
from tenants.models import Tenant

logger = logging.getLogger(__name__)

Status = Subscriber.Status
# Waiting or confirmed: what counts against the plan's subscriber limit.
ACTIVE = (Status.PENDING, Status.CONFIRMED)
# A pending address asking again gets a new confirmation mail at most this often.
RESEND_AFTER = timedelta(minutes=10)
IMPORT_MAX_ROWS = 200_000


class SubscriberInvalid(ApplicationError):
    pass


class LinkInvalid(ApplicationError):
    status_code = 400


def email_normalise(raw: str) -> str:
    """The address as stored: trimmed, lowercased; ValidationError when it is not one."""
    email = (raw or "").strip().lower()
    validate_email(email)
    return email


# --- limits ------------------------------------------------------------------------------


def _plan(tenant_id: int):
    return billing_services.subscription_get_or_create(tenant_id=tenant_id).plan


def subscribers_limit_check(*, tenant_id: int, adding: int = 1) -> None:
    """Raise LimitReached when `adding` more subscribers would pass the plan's limit."""
    plan = _plan(tenant_id)
    limit = plan.max_subscribers
    if limit is None:
        return
    active = Subscriber.objects.filter(status__in=ACTIVE).count()
    if active + adding > limit:
        raise LimitReached(
            f"The {plan.name} plan allows {limit:,} subscribers and this blog has {active:,}"
            + (f"; this would add {adding:,}" if adding > 1 else "")
            + ". Upgrade your plan for more, or remove subscribers who no longer read."
        )


def emails_sent_this_month(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return Delivery.objects.filter(status=Delivery.Status.SENT, sent_at__gte=start).count()


def newsletter_limit_check(*, tenant_id: int, recipients: int) -> None:
    """Raise LimitReached when emailing `recipients` people would pass the plan's emails a
    month (counted from the 1st, UTC)."""
    plan = _plan(tenant_id)
    limit = plan.max_emails_per_month
    if limit is None or recipients == 0:
        return
    used = emails_sent_this_month()
    if used + recipients > limit:
        raise LimitReached(
            f"The {plan.name} plan sends {limit:,} newsletter emails a month; this blog has "
            f"sent {used:,} this month and this post would go to {recipients:,} subscribers. "
            "Upgrade your plan, or publish without emailing it."
        )


# --- subscribing ---------------------------------------------------------------------------


def subscriber_subscribe(*, tenant: Tenant, email: str) -> None:
    """What the blog's subscribe form does. Whatever the address's state, the caller shows the
    same answer: a new or unsubscribed address gets a confirmation mail, a waiting one gets it
    again (at most every 10 minutes), a confirmed or bounced one gets nothing.

    Raises LimitReached only when a new address would pass the plan's limit (which says
    nothing about anyone's address)."""
    now = timezone.now()
    with transaction.atomic():
        current = Subscriber.objects.select_for_update().filter(email=email).first()
        if current is None:
            subscribers_limit_check(tenant_id=tenant.id)
            try:
                with transaction.atomic():
                    current = Subscriber.objects.create(email=email, confirm_sent_at=now)
            except IntegrityError:  # the same address from two requests at once
                return
        elif current.status == Status.UNSUBSCRIBED:
            subscribers_limit_check(tenant_id=tenant.id)
            current.status, current.ended_at, current.confirm_sent_at = Status.PENDING, None, now
            current.created_at = now
            current.save(update_fields=["status", "ended_at", "confirm_sent_at", "created_at"])
        elif current.status == Status.PENDING and (
            current.confirm_sent_at is None or current.confirm_sent_at < now - RESEND_AFTER
        ):
            current.confirm_sent_at = now
            current.save(update_fields=["confirm_sent_at"])
        else:
            return
        _confirmation_queue(tenant=tenant, subscriber_id=current.id)


def _confirmation_queue(*, tenant: Tenant, subscriber_id: int) -> None:
    dispatch.confirmation_send(subscriber_id, schema_name=tenant.schema_name)


def subscriber_confirmation_send(*, tenant: Tenant, subscriber_id: int) -> bool:
    """Mail the confirmation link (task). Nothing when the address is no longer waiting."""
    subscriber = Subscriber.objects.filter(id=subscriber_id, status=Status.PENDING).first()
    if subscriber is None:
        return False
    blog = mail.blog_identity(tenant=tenant)
    token = tokens.confirm_token_make(
        schema_name=tenant.schema_name, subscriber_id=subscriber.id, email=subscriber.email
    )
    context = blog | {
        "confirm_url": mail.reader_url(tenant=tenant, path=f"/subscribe/confirm/{token}/"),
        "days": settings.SUBSCRIBER_CONFIRM_DAYS,
    }
    message = EmailMultiAlternatives(
        subject=f"Confirm your subscription to {blog['blog_title']}",
        body=render_to_string("audience/emails/confirm.txt", context),
        from_email=mail.from_address(blog_title=blog["blog_title"]),
        to=[subscriber.email],
        headers={"X-Quire-Blog": tenant.schema_name, "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(
        render_to_string("audience/emails/confirm.html", context), "text/html"
    )
    message.send()
    return True


def subscriber_confirm(*, tenant: Tenant, token: str) -> Subscriber:
    """Confirm from the mailed link (POST). Confirming twice is fine; an unsubscribed person
    whose old link is still young has to subscribe again."""
    try:
        subscriber_id, email = tokens.confirm_token_read(
            schema_name=tenant.schema_name, token=token
        )
    except tokens.LinkInvalid:
        raise LinkInvalid(
            "This confirmation link is not valid or has expired: subscribe again from the "
            "blog and use the link in the newest email."
        ) from None
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update().filter(id=subscriber_id, email=email).first()
        )
        if subscriber is None or subscriber.status not in ACTIVE:
            raise LinkInvalid(
                "This confirmation link is no longer valid: subscribe again from the blog."
            )
        if subscriber.status == Status.PENDING:
            subscriber.status, subscriber.confirmed_at = Status.CONFIRMED, timezone.now()
            subscriber.save(update_fields=["status", "confirmed_at"])
    return subscriber


def subscriber_unsubscribe(*, tenant: Tenant, token: str) -> Subscriber | None:
    """Unsubscribe from a newsletter's link or its one-click POST. Idempotent. Bounced and
    complained addresses keep that (stronger) state."""
    try:
        subscriber_id = tokens.unsubscribe_token_read(schema_name=tenant.schema_name, token=token)
    except tokens.LinkInvalid:
        raise LinkInvalid(
            "This unsubscribe link is not valid for this blog. Use the link in the newest email "
            "from it, or write to the blog's owner."
        ) from None
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(id=subscriber_id).first()
        if subscriber is not None and subscriber.status in ACTIVE:
            subscriber.status, subscriber.ended_at = Status.UNSUBSCRIBED, timezone.now()
            subscriber.save(update_fields=["status", "ended_at"])
    return subscriber


def subscriber_remove(*, subscriber_id: int) -> bool:
    """The owner removes an address (it may subscribe again through the form)."""
    return Subscriber.objects.filter(id=subscriber_id).delete()[0] > 0


def subscribers_expire(*, now: datetime | None = None) -> int:
    """Remove subscriptions never confirmed within SUBSCRIBER_CONFIRM_DAYS (periodic)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SUBSCRIBER_CONFIRM_DAYS)
    return Subscriber.objects.filter(status=Status.PENDING, created_at__lt=cutoff).delete()[0]


def suppression_record(*, email: str, event_type: str) -> bool:
    """A bounce, rejection or complaint reported by the mail provider: never mailed again.
    Returns whether a subscriber of this blog was found."""
    status = Status.COMPLAINED if event_type == "complained" else Status.BOUNCED
    try:
        email = email_normalise(email)
    except ValidationError:
        return False
    found = Subscriber.objects.filter(email=email).update(status=status, ended_at=timezone.now())
    return found > 0


def blog_audience_settings_set(
    *, subscribe_form: bool | None = None, email_posts: bool | None = None
) -> None:
    """The subscribe form on/off and the editor's remembered checkbox (BlogSettings row 1)."""
    changes = {}
    if subscribe_form is not None:
        changes["subscribe_form"] = subscribe_form
    if email_posts is not None:
        changes["email_posts"] = email_posts
    if not changes:
        return
    with transaction.atomic():
        current, _ = BlogSettings.objects.get_or_create(id=1)
        if all(getattr(current, name) == value for name, value in changes.items()):
            return
        BlogSettings.objects.filter(id=1).update(**changes)
        if "subscribe_form" in changes:
            blog_changed()  # reader pages show or hide the form
