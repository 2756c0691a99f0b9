"""Readers signed in as members of a blog, by a link mailed to them (no password).

A member is a `Subscriber` row: signing in with an address the blog has not seen makes one,
confirmed (following the mailed link proves the address; it does not take back an
unsubscribe). Being signed in is a signed cookie on the reader host, `quire_member`, holding
the subscriber's id, salted with the blog's schema so that it means nothing on another blog.
The cookie is HttpOnly and SameSite=Lax: a form on another site can't post with it. It
carries no session and no dashboard power: it says only "this reader follows this blog as
this address", which comments (and paid memberships) build on.
"""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from audience import dispatch, mail
from audience.models import Subscriber
from audience.tokens import LinkInvalid
from tenants.models import Tenant

COOKIE = "quire_member"
KNOWN = "quire_known"  # a marker beside it that scripts may read
COOKIE_DAYS = 365
LINK_MINUTES = 60
Status = Subscriber.Status


def _salt(purpose: str, schema_name: str) -> str:
    return f"audience.member.{purpose}:{schema_name}"


def safe_next(raw: str) -> str:
    """A path on this host to go back to after signing in, or "/"."""
    if raw.startswith("/") and url_has_allowed_host_and_scheme(raw, allowed_hosts=None):
        return raw[:500]
    return "/"


def member_name_clean(raw: str) -> str:
    """A member's display name: one line, at most 100 characters, no NUL."""
    return " ".join(raw.replace("\x00", "").split())[:100]


def member_signin_request(*, tenant: Tenant, email: str, next_path: str, name: str = "") -> None:
    """Queue the sign-in link for `email` (normalised by the caller). The answer shown is the
    same whether or not the address is known."""
    dispatch.member_signin_send(
        email, next_path, member_name_clean(name), schema_name=tenant.schema_name
    )


def member_signin_send(*, tenant: Tenant, email: str, next_path: str, name: str = "") -> None:
    """Mail the sign-in link (task). Bounced and complained addresses get nothing."""
    if Subscriber.objects.filter(
        email=email, status__in=(Status.BOUNCED, Status.COMPLAINED)
    ).exists():
        return
    blog = mail.blog_identity(tenant=tenant)
    token = signing.dumps(
        [email, safe_next(next_path), member_name_clean(name)],
        salt=_salt("link", tenant.schema_name),
    )
    context = blog | {
        "signin_url": mail.reader_url(tenant=tenant, path=f"/members/signin/{token}/"),
        "minutes": LINK_MINUTES,
    }
    message = EmailMultiAlternatives(
        subject=f"Sign in to {blog['blog_title']}",
        body=render_to_string("audience/emails/signin.txt", context),
        from_email=mail.from_address(blog_title=blog["blog_title"]),
        to=[email],
        headers={"X-Quire-Blog": tenant.schema_name, "Auto-Submitted": "auto-generated"},
    )
    message.send()


def member_signin_complete(*, tenant: Tenant, token: str) -> tuple[Subscriber, str]:
    """The member behind a mailed link, made or confirmed, and where to go next."""
    try:
        email, next_path, *rest = signing.loads(
            token, salt=_salt("link", tenant.schema_name), max_age=LINK_MINUTES * 60
        )
        name = member_name_clean(str(rest[0])) if rest else ""
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkInvalid(
            "This sign-in link is not valid or has expired: ask for a new one."
        ) from None
    now = timezone.now()
    with transaction.atomic():
        member = Subscriber.objects.select_for_update().filter(email=email).first()
        if member is None:
            try:
                with transaction.atomic():
                    member = Subscriber.objects.create(
                        email=email, name=name, status=Status.CONFIRMED, source="member",
                        confirmed_at=now,
                    )  # fmt: skip
            except IntegrityError:  # the same link opened twice at once
                member = Subscriber.objects.get(email=email)
        elif member.status == Status.PENDING:
            member.status, member.confirmed_at = Status.CONFIRMED, now
            member.save(update_fields=["status", "confirmed_at"])
        elif member.status in (Status.BOUNCED, Status.COMPLAINED):
            raise LinkInvalid("This address can't sign in here: write to the blog's owner.")
        if name and member.name != name:
            member.name = name
            member.save(update_fields=["name"])
    return member, safe_next(next_path)


def member_cookie_set(response: HttpResponse, *, tenant: Tenant, member: Subscriber) -> None:
    value = signing.dumps(member.id, salt=_salt("cookie", tenant.schema_name))
    response.set_cookie(
        COOKIE,
        value,
        max_age=COOKIE_DAYS * 86_400,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    # Readable by pages' scripts, and no secret: "ask what is mine" (comments' own part).
    response.set_cookie(KNOWN, "1", max_age=COOKIE_DAYS * 86_400, samesite="Lax")


def member_cookie_clear(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE, samesite="Lax")
    response.delete_cookie(KNOWN, samesite="Lax")


def member_from_request(request: HttpRequest) -> Subscriber | None:
    """The member this request's cookie names on this blog, or None. One query when the
    cookie is there, none otherwise."""
    raw = request.COOKIES.get(COOKIE)
    if not raw or getattr(request, "tenant", None) is None:
        return None
    try:
        member_id = int(
            signing.loads(
                raw, salt=_salt("cookie", request.tenant.schema_name), max_age=COOKIE_DAYS * 86_400
            )
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return (
        Subscriber.objects.filter(id=member_id)
        .exclude(status__in=(Status.BOUNCED, Status.COMPLAINED))
        .first()
    )
