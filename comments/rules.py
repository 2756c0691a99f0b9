"""Who may comment where: the blog's rules (`CommentSettings`), a post's own setting, and the
commenter a request stands for."""

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.http import HttpRequest
from django.utils import timezone

from audience.members import member_from_request
from audience.models import Subscriber
from blog.models import Post
from comments.models import CommentSettings
from memberships.access import reader_pays
from shared.accounts.models import Membership

Policy = CommentSettings.Policy
# Post.metadata["comments"]: "off", "open" (never closes), or a number of days after
# publishing; absent: the blog's rules.
POST_OPTION = "comments"
EDIT_MINUTES = 15


def comment_rules_get() -> CommentSettings:
    rules = CommentSettings.objects.filter(id=1).first()
    return rules if rules is not None else CommentSettings(id=1)


@dataclass(frozen=True)
class Commenter:
    """Who is writing: a member (signed-in reader), a writer of the blog, or a guest."""

    kind: str  # "member" | "writer" | "guest"
    name: str = ""
    email: str = ""
    url: str = ""
    member: Subscriber | None = None
    user_id: int | None = None

    @property
    def who(self) -> str:
        """The like ledger's key ("" for guests, who can't like)."""
        if self.kind == "member" and self.member is not None:
            return f"m{self.member.id}"
        if self.kind == "writer" and self.user_id is not None:
            return f"u{self.user_id}"
        return ""


def commenter_from_request(request: HttpRequest) -> Commenter | None:
    """The writer logged in on this blog, else the signed-in member, else None (a guest, who
    names themselves in the form)."""
    user = getattr(request, "user", None)
    if (
        user is not None
        and user.is_authenticated
        and Membership.objects.filter(user=user, tenant_id=request.tenant.id).exists()
    ):
        return Commenter(
            kind="writer",
            name=user.name or "Author",
            email=user.email,
            user_id=user.id,
        )
    member = member_from_request(request)
    if member is not None:
        # Never the address, nor a part of it: a member who gave no name is "A reader".
        return Commenter(
            kind="member", name=member.name or "A reader", email=member.email, member=member
        )
    return None


def post_comments_state(*, post: Post, rules: CommentSettings, now: datetime | None = None) -> str:
    """ "open", "closed" (old comments shown, no new ones) or "off" (none shown)."""
    if rules.policy == Policy.OFF or post.kind != Post.Kind.POST:
        return "off"
    option = (post.metadata or {}).get(POST_OPTION)
    if option == "off":
        return "off"
    days = rules.close_after_days if option is None else option
    if isinstance(days, int) and not isinstance(days, bool) and post.published_at is not None:
        if (now or timezone.now()) > post.published_at + timedelta(days=days):
            return "closed"
    return "open"


def may_comment(*, rules: CommentSettings, commenter: Commenter | None) -> str:
    """ "" when this commenter may write under the blog's policy, else why not."""
    if rules.policy == Policy.OFF:
        return "Comments are off on this blog."
    if commenter is None and rules.policy == Policy.MEMBERS:
        return "Sign in as a member to comment: it takes an email address, no password."
    if rules.policy == Policy.PAID and not (commenter is not None and commenter.kind == "writer"):
        member = commenter.member if commenter is not None else None
        if not reader_pays(member, now=timezone.now()):
            return "Comments here are for paying members: sign in, or choose a paid tier."
    return ""


def blocked(*, rules: CommentSettings, commenter: Commenter, email: str, ip: str | None) -> bool:
    for block in rules.blocks or []:
        kind, value = block.get("kind"), str(block.get("value", ""))
        if kind == "email" and email and value.lower() == email.lower():
            return True
        if kind == "member" and commenter.member is not None and value == str(commenter.member.id):
            return True
        if kind == "ip" and ip:
            try:
                if ipaddress.ip_address(ip) in ipaddress.ip_network(value, strict=False):
                    return True
            except ValueError:
                continue
    return False


def held_word(*, rules: CommentSettings, text: str) -> str:
    lowered = text.lower()
    for word in rules.held_words.splitlines():
        word = word.strip().lower()
        if word and word in lowered:
            return word
    return ""


def block_normalise(*, kind: str, value: str) -> dict:
    """A block entry, checked: an email, a member id, or an IP address or range."""
    value = value.strip()
    if kind == "ip":
        try:
            value = str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValueError(
                f"{value!r} is not an IP address or range: write 203.0.113.7 or 203.0.113.0/24."
            ) from None
    elif kind == "email":
        if "@" not in value or len(value) > 254:
            raise ValueError(f"{value!r} is not an email address.")
        value = value.lower()
    elif kind == "member":
        if not value.isdecimal():
            raise ValueError("A member block names a member by id.")
    else:
        raise ValueError("A block is by email, ip or member.")
    return {"kind": kind, "value": value}
