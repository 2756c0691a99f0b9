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


def user_first_owned_tenant(*, user: User):
    """The oldest live blog the person owns (their signup blog), or None."""
    membership = (
        Membership.objects.filter(
            user=user, role=Membership.Role.OWNER, tenant__deleted_at__isnull=True
        )
        .select_related("tenant")
        .order_by("created_at", "id")
        .first()
    )
    return membership.tenant if membership else None


def user_first_owned_subdomain(*, user: User) -> str | None:
    tenant = user_first_owned_tenant(user=user)
    return tenant.subdomain if tenant else None


def user_email_verified(*, user: User) -> bool:
    """Has the person confirmed their (primary) address through allauth?"""
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def tenant_owner_verified(*, tenant_id: int) -> bool:
    """Has at least one owner of the blog confirmed their address?"""
    from allauth.account.models import EmailAddress

    owners = Membership.objects.filter(tenant_id=tenant_id, role=Membership.Role.OWNER)
    return EmailAddress.objects.filter(user_id__in=owners.values("user_id"), verified=True).exists()


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
