"""The rows of comments' part of a Quire export: their shapes, how people are named in them,
and the checks every value from a file goes through before it becomes a comment's.

A like's `who` ("m<subscriber id>", "u<user id>") means nothing in another blog, so an export
names people by email: `{"member": email}` for a subscriber, `{"user": email}` for a writer.
On the way in they are matched to the importing blog's subscribers and members; nobody is
added by being named in a file.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email, validate_ipv46_address

from audience.models import Subscriber
from comments.models import Like
from lib.shapes import Items, Object, Text
from shared.accounts.models import Membership, User
from tenants.models import Tenant

ROWS_MAX = 2_000_000  # the import's file size is the real bound
_TEXTS = """status source reason author_name author_email author_url remote_actor member user
body ip created_at edited_at"""
_LIKE = {"member": str, "user": str, "created_at": str}
COMMENT_ROWS = Items(
    Object(
        {"id": int, "post": Text(300)},
        optional={
            **dict.fromkeys(_TEXTS.split(), str),
            "parent": int,
            "notify_replies": bool,
            "likes": Items(Object({}, optional=_LIKE)),
        },
    ),
    max_items=ROWS_MAX,
)
POST_LIKE_ROWS = Items(Object({"post": Text(300)}, optional=_LIKE), max_items=ROWS_MAX)


def when(value: object) -> datetime | None:
    """An ISO 8601 time with its offset, or None."""
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return parsed if parsed is None or parsed.tzinfo else None


def clean_email(value: object) -> str:
    email = str(value or "").strip().lower()[:254]
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


def clean_url(value: object, *, limit: int) -> str:
    url = str(value or "").strip()
    if not url or len(url) > limit:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return ""
    return url


def clean_ip(value: object) -> str | None:
    ip = str(value or "").strip()
    try:
        validate_ipv46_address(ip)
    except ValidationError:
        return None
    return ip


@dataclass
class People:
    """Emails of the people an export names, or this blog's ids for the emails a file names."""

    user_emails: dict[int, str] = field(default_factory=dict)  # export: user id -> email
    member_emails: dict[int, str] = field(default_factory=dict)  # export: subscriber id
    member_ids: dict[str, int] = field(default_factory=dict)  # restore: email -> subscriber
    user_ids: dict[str, int] = field(default_factory=dict)  # restore: email -> member's user

    @classmethod
    def for_export(cls, *, user_ids: Iterable[int], likes: list[Like]) -> "People":
        users, members = set(user_ids), set()
        for like in likes:
            if like.who[1:].isdigit():
                (users if like.who.startswith("u") else members).add(int(like.who[1:]))
        return cls(
            user_emails=dict(User.objects.filter(id__in=users).values_list("id", "email")),
            member_emails=dict(
                Subscriber.objects.filter(id__in=members).values_list("id", "email")
            ),
        )

    def like_row(self, like: Like) -> dict | None:
        """How the export names a like's person; None when they are gone."""
        number = int(like.who[1:]) if like.who[1:].isdigit() else 0
        if like.who.startswith("m") and number in self.member_emails:
            person = {"member": self.member_emails[number]}
        elif like.who.startswith("u") and number in self.user_emails:
            person = {"user": self.user_emails[number]}
        else:
            return None
        return {**person, "created_at": like.created_at.isoformat()}

    @classmethod
    def for_restore(cls, *, tenant: Tenant, named: list[dict]) -> "People":
        """For rows (comments, likes) that name people by "member" or "user"."""
        members = {clean_email(r.get("member")) for r in named} - {""}
        writers = Membership.objects.filter(tenant_id=tenant.id)  # a few rows per blog
        return cls(
            member_ids=dict(
                Subscriber.objects.filter(email__in=members).values_list("email", "id")
            ),  # stored lowercased
            user_ids={e.lower(): pk for e, pk in writers.values_list("user__email", "user_id")},
        )

    def who(self, row: dict) -> str:
        """A like's `who` in this blog, or "" when nobody here matches the row."""
        member = self.member_ids.get(clean_email(row.get("member")))
        if member is not None:
            return f"m{member}"
        user = self.user_ids.get(clean_email(row.get("user")))
        return f"u{user}" if user is not None else ""
