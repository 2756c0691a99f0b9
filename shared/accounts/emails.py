"""Every email Quire sends looks the same: `templates/emails/base.{txt,html}`, signed with the
blog's name (mail about a blog) or the platform's ("Quire"), with links on the right host and
port. allauth's mails go through `AccountAdapter.send_mail`; ours through `email_send`."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.template.loader import render_to_string

from lib.urls import blog_url, platform_url
from shared.accounts import selectors

PLATFORM_NAME = "Quire"


def context_for(*, request: HttpRequest | None, email: str, context: dict) -> dict:
    """What every mail template may use: `sender_name` (the blog's name on a blog's host,
    else the platform's), `sender_url`, and at signup `blog_name`/`blog_url` of the new blog."""
    tenant = getattr(request, "tenant", None) if request is not None else None
    extra = {
        "platform_name": PLATFORM_NAME,
        "platform_url": platform_url(request=request, path="/"),
        "sender_name": tenant.name if tenant is not None else PLATFORM_NAME,
        "sender_url": (
            blog_url(subdomain=tenant.subdomain, request=request, path="/")
            if tenant is not None
            else platform_url(request=request, path="/")
        ),
    }
    user = context.get("user")
    if tenant is None and getattr(user, "pk", None):
        blog = selectors.user_first_owned_tenant(user=user)
        if blog is not None:
            extra["blog_name"] = blog.name
            extra["blog_url"] = blog_url(subdomain=blog.subdomain, request=request, path="/")
    return {**extra, **context}


def email_send(
    *,
    template: str,
    to: list[str],
    context: dict,
    request: HttpRequest | None = None,
    sender_name: str | None = None,
    sender_url: str | None = None,
) -> None:
    """Send `emails/<template>_subject.txt`, `_message.txt` and `_message.html` (plain text and
    HTML) in the common layout. Raises on SMTP failure: callers decide (and log)."""
    context = context_for(request=request, email=to[0], context=context)
    if sender_name:
        context["sender_name"] = sender_name
    if sender_url:
        context["sender_url"] = sender_url
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    text = render_to_string(f"emails/{template}_message.txt", context)
    html = render_to_string(f"emails/{template}_message.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.send()
