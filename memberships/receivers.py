"""What memberships registers with the apps below it: the tiers a post can be limited to
(blog's editor), who gets the whole of a gated post by email (audience's newsletters), and
the `member.deleted` webhook when a member's row goes."""

from django.db import connection, transaction
from django.db.models.signals import post_delete
from django.utils import timezone

from audience import segments
from blog import access as blog_access
from blog.models import Post
from memberships.access import post_access
from memberships.models import ReaderMembership, Tier
from memberships.services import member_payload_deleted, membership_settings_get
from webhooks.services import webhook_events_emit


def _tier_choices() -> list[tuple[int, str]]:
    return list(Tier.objects.filter(active=True).values_list("id", "name"))


def _full_access(post: Post, subscriber_ids: list[int]) -> set[int]:
    grace = membership_settings_get().grace_days
    now = timezone.now()
    rows = ReaderMembership.objects.filter(subscriber_id__in=subscriber_ids).exclude(
        tier__isnull=True
    )
    return {
        m.subscriber_id
        for m in rows
        if post_access(post, member=m.subscriber_id, membership=m, now=now, grace_days=grace)
    }


def _deleted(sender, instance: ReaderMembership, **kwargs) -> None:  # noqa: ANN001
    tenant = getattr(connection, "tenant", None)
    if tenant is None or getattr(tenant, "schema_name", "public") == "public":
        return
    data = member_payload_deleted(instance)
    tenant_id = tenant.id
    transaction.on_commit(
        lambda: webhook_events_emit(tenant_id=tenant_id, events=["member.deleted"], data=data)
    )


blog_access.tier_choices_register(_tier_choices)
segments.full_access_register(_full_access)
post_delete.connect(_deleted, sender=ReaderMembership, dispatch_uid="memberships.deleted")
