"""What the blog's plan allows, shown on the dashboard before a limit is hit. Reads only.

The counts are the ones the limit checks use (`blog.services.posts._check_publish_limit`,
`shared.accounts.services.invitation_create`), so what the page says is what the service
enforces. Run in the blog's schema (the request's tenant).
"""

from dataclasses import dataclass

from blog.models import Post
from shared.accounts.models import Invitation, Membership
from shared.billing import services as billing_services
from shared.billing.services import UPGRADE_PATH

LIVE = (Post.Status.PUBLISHED, Post.Status.SCHEDULED)


@dataclass(frozen=True)
class Allowance:
    used: int
    limit: int | None  # None: unlimited

    @property
    def unlimited(self) -> bool:
        return self.limit is None

    @property
    def left(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)

    @property
    def full(self) -> bool:
        return self.limit is not None and self.used >= self.limit


@dataclass(frozen=True)
class PlanAllowances:
    plan_name: str
    posts: Allowance  # published or scheduled posts (pages are free)
    seats: Allowance  # members plus pending invitations
    upgrade_url: str = UPGRADE_PATH


def plan_allowances_get(*, tenant_id: int, exclude_post_id: int | None = None) -> PlanAllowances:
    """The blog's plan with its post and seat counts. `exclude_post_id`: a post being edited,
    which the publish limit does not count against itself."""
    plan = billing_services.subscription_get_or_create(tenant_id=tenant_id).plan
    live = Post.objects.filter(kind=Post.Kind.POST, status__in=LIVE)
    if exclude_post_id is not None:
        live = live.exclude(id=exclude_post_id)
    seats = (
        Membership.objects.filter(tenant_id=tenant_id).count()
        + Invitation.objects.filter(tenant_id=tenant_id, accepted_at__isnull=True).count()
    )
    return PlanAllowances(
        plan_name=plan.name,
        posts=Allowance(used=live.count(), limit=plan.max_published_posts),
        seats=Allowance(used=seats, limit=plan.max_members),
    )
