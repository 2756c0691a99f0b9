"""Reads for accounts."""

from django.db.models import QuerySet

from shared.accounts.models import Invitation, Membership, User


def membership_role(*, user: User, tenant_id: int) -> str | None:
    """The user's role on a blog, or None when they are not a member."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, tenant_id=tenant_id)
        .values_list("role", flat=True)
        .first()
    )


def user_memberships(*, user: User) -> QuerySet[Membership]:
    """The person's blogs (live or suspended, not deleted) with their plan, by name."""
    return (
        Membership.objects.filter(user=user, tenant__deleted_at__isnull=True)
        .select_related("tenant", "tenant__subscription__plan")
        .order_by("tenant__name", "tenant_id")
    )


def membership_by_subdomain(*, user: User, subdomain: str) -> Membership | None:
    """The person's membership of the blog at `subdomain`, or None."""
    return (
        Membership.objects.filter(
            user=user, tenant__subdomain=subdomain, tenant__deleted_at__isnull=True
        )
        .select_related("tenant")
        .first()
    )


def tenant_owner_email(*, tenant_id: int) -> str | None:
    return (
        Membership.objects.filter(tenant_id=tenant_id, role=Membership.Role.OWNER)
        .values_list("user__email", flat=True)
        .first()
    )


def tenant_members(*, tenant_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(tenant_id=tenant_id)
        .select_related("user")
        .order_by("role", "user__email")
    )


def invitations_pending(*, tenant_id: int) -> QuerySet[Invitation]:
    return Invitation.objects.filter(tenant_id=tenant_id, accepted_at__isnull=True).order_by(
        "-created_at"
    )


def user_exists(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()
