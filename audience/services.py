"""Writes for a blog's subscribers and newsletters. Run in the blog's schema; the blog is passed
in (`tenant=`), never read from the connection.

Sending itself (SMTP, deliveries) is in `audience.sending`; the Celery tasks in
`tasks.newsletters` call these.
"""

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from audience import dispatch, mail, tokens
from audience.models import Delivery, Newsletter, Subscriber
from blog.cache import blog_changed
from blog.models import BlogSettings, Post
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


# --- import and export -----------------------------------------------------------------


@dataclass
class ImportReport:
    added: int = 0
    already: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def subscribers_import_csv(*, tenant: Tenant, data: bytes) -> ImportReport:
    """Add confirmed subscribers from a CSV file (one address per row, in a column named
    "email" or the first column). Addresses already on the list are left as they are (so a
    bounced or unsubscribed one stays so); bad rows are reported with their line numbers and
    the good ones are added. Imported people opted in elsewhere: no confirmation mail."""
    report = ImportReport()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubscriberInvalid(
            "The file is not UTF-8 text: save it as CSV (UTF-8) and upload it again."
        ) from None
    rows = csv.reader(io.StringIO(text))
    column, wanted = 0, {}
    for line, row in enumerate(rows, start=1):
        if line > IMPORT_MAX_ROWS:
            raise SubscriberInvalid(f"Import at most {IMPORT_MAX_ROWS:,} rows per file.")
        if not row or not any(cell.strip() for cell in row):
            continue
        if line == 1 and "@" not in "".join(row):
            names = [cell.strip().lower() for cell in row]
            column = names.index("email") if "email" in names else 0
            continue
        raw = row[column] if column < len(row) else ""
        try:
            email = email_normalise(raw)
        except ValidationError:
            report.errors.append((line, f"“{raw[:80]}” is not an email address"))
            continue
        wanted.setdefault(email, line)
    existing = set(
        Subscriber.objects.filter(email__in=list(wanted)).values_list("email", flat=True)
    )
    new = [email for email in wanted if email not in existing]
    report.already = len(wanted) - len(new)
    subscribers_limit_check(tenant_id=tenant.id, adding=len(new))
    now = timezone.now()
    Subscriber.objects.bulk_create(
        [
            Subscriber(email=email, status=Status.CONFIRMED, source="import",
                       created_at=now, confirmed_at=now)
            for email in new
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )  # fmt: skip
    report.added = len(new)
    return report


def subscribers_restore(*, rows: list[dict]) -> int:
    """Subscribers from a blog export (`quire.json` "subscribers"), kept with their state.
    Addresses already here are left alone. Returns how many were added."""
    now = timezone.now()
    made = []
    for row in rows:
        try:
            email = email_normalise(str(row.get("email", "")))
        except ValidationError:
            continue
        status = row.get("status") if row.get("status") in Status.values else Status.PENDING
        made.append(
            Subscriber(
                email=email,
                status=status,
                source="restore",
                created_at=_parse(row.get("created_at")) or now,
                confirmed_at=_parse(row.get("confirmed_at")),
            )
        )
    return len(Subscriber.objects.bulk_create(made, batch_size=2000, ignore_conflicts=True))


def _parse(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


# --- newsletters -------------------------------------------------------------------------


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
