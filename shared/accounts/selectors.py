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
    return Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")


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
