"""Comment mails: the post author's (one per comment, or a daily digest), and a commenter's
"someone replied" (with RFC 8058 one-click unsubscribe). Addresses that bounced or complained
(audience's suppression) get nothing."""

from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from audience import mail
from audience.models import Subscriber
from blog.models import Post
from comments import tokens
from comments.models import Comment
from comments.rules import comment_rules_get
from shared.accounts.models import User
from tenants.models import Tenant

_SUPPRESSED = (Subscriber.Status.BOUNCED, Subscriber.Status.COMPLAINED)


def _suppressed(email: str) -> bool:
    return Subscriber.objects.filter(email=email, status__in=_SUPPRESSED).exists()


def _send(
    *,
    tenant: Tenant,
    to: str,
    subject: str,
    template: str,
    context: dict,
    headers: dict | None = None,
) -> None:
    blog = mail.blog_identity(tenant=tenant)
    context = blog | context
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"comments/emails/{template}.txt", context),
        from_email=mail.from_address(blog_title=blog["blog_title"]),
        to=[to],
        headers={"X-Quire-Blog": tenant.schema_name, "Auto-Submitted": "auto-generated"}
        | (headers or {}),
    )
    message.send()


def _line(text: str) -> str:
    """Text for a header, on one line: a guest's name (and a post's title) may hold newlines,
    which a header can't (the mail would not go)."""
    return " ".join(text.split())


def _author_choice(*, post: Post) -> str:
    return (comment_rules_get().notifications or {}).get(str(post.author_id), "each")


def comment_notify(*, tenant: Tenant, comment_id: int, author: bool = True) -> list[str]:
    """Mail what this comment calls for now (task); returns who was mailed. The post's author
    (with `author`, and their choice "each"): a new comment, or one waiting, with approve and
    spam buttons. Once approved: the author of the comment it answers."""
    comment = Comment.objects.select_related("post", "parent").filter(id=comment_id).first()
    if comment is None or comment.status not in (Comment.Status.APPROVED, Comment.Status.PENDING):
        return []
    sent = []
    post = comment.post
    writer = User.objects.filter(id=post.author_id).first() if author else None
    if (
        writer is not None
        and writer.id != comment.user_id
        and _author_choice(post=post) == "each"
        and not _suppressed(writer.email)
    ):
        token = tokens.link_make(
            schema=tenant.schema_name, purpose="moderate", comment_id=comment.id
        )
        approved = comment.status == Comment.Status.APPROVED
        _send(
            tenant=tenant,
            to=writer.email,
            template="new_comment",
            subject=f"{'New comment' if approved else 'A comment waits'} on “{_line(post.title)}”",
            context={
                "comment": comment,
                "post": post,
                "post_url": mail.reader_url(
                    tenant=tenant, path=f"/{post.slug}/#comment-{comment.id}"
                ),
                "moderate_url": mail.reader_url(tenant=tenant, path=f"/comments/moderate/{token}/"),
            },
        )
        sent.append(writer.email)
    parent = comment.parent
    if (
        comment.status == Comment.Status.APPROVED
        and parent is not None
        and parent.notify_replies
        and parent.author_email
        and parent.author_email != comment.author_email
        and parent.status == Comment.Status.APPROVED
        and not _suppressed(parent.author_email)
    ):
        token = tokens.link_make(schema=tenant.schema_name, purpose="replies", comment_id=parent.id)
        unsubscribe = mail.reader_url(tenant=tenant, path=f"/comments/replies/unsubscribe/{token}/")
        _send(
            tenant=tenant,
            to=parent.author_email,
            template="reply",
            subject=(
                f"{_line(comment.author_name)} replied to your comment on “{_line(post.title)}”"
            ),
            context={
                "comment": comment,
                "parent": parent,
                "post": post,
                "unsubscribe_url": unsubscribe,
                "post_url": mail.reader_url(
                    tenant=tenant, path=f"/{post.slug}/#comment-{comment.id}"
                ),
            },
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        sent.append(parent.author_email)
    return sent


def comments_digest(*, tenant: Tenant, now=None) -> int:
    """The daily digest (task): to each writer who chose it, the last day's comments on their
    posts. Returns how many mails went."""
    now = now or timezone.now()
    rules = comment_rules_get()
    wanting = [
        int(uid) for uid, choice in (rules.notifications or {}).items() if choice == "digest"
    ]
    sent = 0
    for user in User.objects.filter(id__in=wanting):
        comments = list(
            Comment.objects.select_related("post")
            .filter(
                post__author_id=user.id,
                created_at__gte=now - timedelta(days=1),
                status__in=(Comment.Status.APPROVED, Comment.Status.PENDING),
            )
            .order_by("post_id", "created_at")[:200]
        )
        if not comments or _suppressed(user.email):
            continue
        _send(
            tenant=tenant,
            to=user.email,
            template="digest",
            subject=f"{len(comments)} new comment{'s' if len(comments) != 1 else ''} today",
            context={
                "comments": comments,
                "queue_url": mail.reader_url(tenant=tenant, path="/dashboard/comments/"),
            },
        )
        sent += 1
    return sent
