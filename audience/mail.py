"""What subscribers receive: the confirmation mail and newsletters (HTML and plain text, the
post's full content with absolute URLs, the blog's name and accent, RFC 8058 unsubscribe)."""

import re
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from blog.models import Post
from blog.rendering import paywall_public, paywall_split
from blog.selectors import blog_settings_get
from tenants.models import Tenant
from tenants.selectors import tenant_reader_url

# Stands for each subscriber's own unsubscribe URL in the rendered parts (rendered once a send).
UNSUBSCRIBE_MARK = "__quire_unsubscribe_url__"
# Relative URLs in the post's sanitised HTML (src="/media/…", href="/other-post/") and in the
# Markdown (](/media/…)): made absolute on the blog's reader host.
_RELATIVE_ATTR = re.compile(r'(\s(?:src|href|poster)=")/(?!/)')
_RELATIVE_SRCSET = re.compile(r'(\ssrcset=")([^"]*)"')
_RELATIVE_MD = re.compile(r"(\]\()/(?!/)")


def reader_url(*, tenant: Tenant, path: str) -> str:
    return tenant_reader_url(tenant=tenant, path=path)


def blog_identity(*, tenant: Tenant) -> dict:
    current = blog_settings_get()
    return {
        "blog_title": current.title or tenant.name,
        "accent": current.accent,
        "blog_url": reader_url(tenant=tenant, path="/"),
    }


def from_address(*, blog_title: str) -> str:
    """ "Blog name <newsletters@…>": the blog's name, the platform's address."""
    address = settings.NEWSLETTER_FROM_EMAIL or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return formataddr((blog_title, address))


def absolute_html(html: str, *, base: str) -> str:
    html = _RELATIVE_ATTR.sub(lambda m: f"{m.group(1)}{base}/", html)

    def srcset(match: re.Match) -> str:
        items = [item.strip() for item in match.group(2).split(",")]
        fixed = [f"{base}{item}" if item.startswith("/") and not item.startswith("//") else item
                 for item in items]  # fmt: skip
        return f'{match.group(1)}{", ".join(fixed)}"'

    return _RELATIVE_SRCSET.sub(srcset, html)


def newsletter_parts(*, tenant: Tenant, post: Post, full: bool = True) -> dict:
    """Subject, HTML and text of a post's newsletter, with UNSUBSCRIBE_MARK for each person's
    link. Rendered once per send and version: of a gated post, `full` is the whole post (for
    readers with access), else its public part and a button to upgrade."""
    identity = blog_identity(tenant=tenant)
    base = identity["blog_url"].rstrip("/")
    cover = post.cover_image_url
    if cover.startswith("/") and not cover.startswith("//"):
        cover = base + cover
    public_md, gated_md = paywall_split(post.body)
    gated = post.is_gated
    whole = f"{public_md}\n\n{gated_md}" if gated_md else public_md
    if not gated:
        html, text = post.body_html, whole
    elif full:
        html, text = post.body_html + post.gated_html, whole
    else:  # the public part: before the marker, or nothing without one
        html, text = post.body_html, paywall_public(body=post.body, visibility=post.visibility)
    context = identity | {
        "post": post,
        "post_url": reader_url(tenant=tenant, path=f"/{post.slug}/"),
        "body_html": absolute_html(html, base=base),
        "body_text": _RELATIVE_MD.sub(lambda m: f"{m.group(1)}{base}/", text),
        "cover": cover,
        "unsubscribe_url": UNSUBSCRIBE_MARK,
        "upgrade_url": (
            reader_url(tenant=tenant, path=f"/members/join/?next=/{post.slug}/")
            if gated and not full
            else ""
        ),
    }
    return {
        "subject": post.title,
        "html": render_to_string("audience/emails/newsletter.html", context),
        "text": render_to_string("audience/emails/newsletter.txt", context),
        "from": from_address(blog_title=identity["blog_title"]),
        "schema": tenant.schema_name,
    }


def newsletter_message(
    *,
    parts: dict,
    to: str,
    unsubscribe_url: str,
    message_id: str | None,
    subject_prefix: str = "",
) -> EmailMultiAlternatives:
    """One person's copy: their unsubscribe link in the body and in the RFC 8058 headers."""
    unsubscribe = f"<{unsubscribe_url}>"
    if settings.NEWSLETTER_UNSUBSCRIBE_MAILTO:
        unsubscribe += f", <mailto:{settings.NEWSLETTER_UNSUBSCRIBE_MAILTO}?subject=unsubscribe>"
    headers = {
        "List-Unsubscribe": unsubscribe,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "X-Quire-Blog": parts["schema"],
    }
    if message_id:
        headers["Message-ID"] = message_id
    message = EmailMultiAlternatives(
        subject=subject_prefix + parts["subject"],
        body=parts["text"].replace(UNSUBSCRIBE_MARK, unsubscribe_url),
        from_email=parts["from"],
        to=[to],
        headers=headers,
    )
    message.attach_alternative(
        parts["html"].replace(UNSUBSCRIBE_MARK, unsubscribe_url), "text/html"
    )
    return message
