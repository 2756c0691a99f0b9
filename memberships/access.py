"""Who may read what: computed from the member's row on each request, never stored, so a
change made by a webhook (or by the clock: a grace period or a paid period ending) counts
on the reader's next request."""

from datetime import datetime, timedelta

from blog.models import Post
from memberships.models import MembershipSettings, ReaderMembership

Status = ReaderMembership.Status
Visibility = Post.Visibility
# Stripe ends a subscription set to cancel at the period's end a moment after it; a missed
# webhook must not keep access open past this (the daily reconcile repairs the row).
PERIOD_SLACK = timedelta(days=1)


def paid_access(membership: ReaderMembership | None, *, now: datetime, grace_days: int) -> bool:
    """Whether the member has a paid tier's access at `now`."""
    if membership is None or membership.tier_id is None:
        return False
    status, period_end = membership.status, membership.current_period_end
    if status == Status.COMPED:
        return membership.comp_until is None or now < membership.comp_until
    if status in (Status.ACTIVE, Status.TRIALING):
        if membership.cancel_at_period_end and period_end is not None:
            return now < period_end + PERIOD_SLACK
        return True
    if status == Status.PAST_DUE:
        since = membership.past_due_since or now
        return now < since + timedelta(days=grace_days)
    return False


def post_access(
    post: Post,
    *,
    member: object | None,
    membership: ReaderMembership | None,
    now: datetime,
    grace_days: int,
) -> bool:
    """Whether this reader (a signed-in member or None) may read all of `post`."""
    if post.visibility == Visibility.PUBLIC:
        return True
    if member is None:
        return False
    if post.visibility == Visibility.MEMBERS:
        return True
    if not paid_access(membership, now=now, grace_days=grace_days):
        return False
    if post.visibility == Visibility.TIERS:
        return membership.tier_id in (post.access_tiers or [])
    return True


def _grace_days() -> int:
    days = MembershipSettings.objects.values_list("grace_days", flat=True).first()
    return MembershipSettings._meta.get_field("grace_days").default if days is None else days


def reader_membership(member: object | None) -> ReaderMembership | None:
    if member is None:
        return None
    return ReaderMembership.objects.filter(subscriber=member).first()


def reader_may_read(post: Post, *, member: object | None, now: datetime) -> bool:
    """`post_access` for a request, reading only what the answer needs: no membership row
    for public and members' posts, the blog's grace period only for a failed renewal."""
    if post.visibility in (Visibility.PUBLIC, Visibility.MEMBERS) or member is None:
        return post_access(post, member=member, membership=None, now=now, grace_days=0)
    membership = reader_membership(member)
    return post_access(
        post, member=member, membership=membership, now=now, grace_days=_member_grace(membership)
    )


def reader_pays(member: object | None, *, now: datetime) -> bool:
    """Whether this reader (a signed-in member or None) has a paid tier's access now."""
    membership = reader_membership(member)
    return paid_access(membership, now=now, grace_days=_member_grace(membership))


def _member_grace(membership: ReaderMembership | None) -> int:
    if membership is None or membership.status != Status.PAST_DUE:
        return 0
    return _grace_days()
