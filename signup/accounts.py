"""Leaving the platform: deleting an account, and with it the blogs nobody else writes for.

Above tenants and shared/accounts, so that neither calls the other: accounts says what the
deletion does (`user_delete_plan`), tenants takes the blogs offline.
"""

from django.db import transaction

from lib.errors import Conflict
from shared.accounts import services as account_services
from shared.accounts.models import Membership, User
from tenants import lifecycle


class AccountDeletionRefused(Conflict):
    pass


def user_delete(*, user: User) -> None:
    """Delete the account as `user_delete_plan` says, or raise AccountDeletionRefused."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        plan = account_services.user_delete_plan(user=user)
        if plan["blocking"]:
            names = ", ".join(t.name for t in plan["blocking"])
            raise AccountDeletionRefused(
                f"You are the only owner of {names}, which other people write for: make one "
                "of them owner (Members) first, or remove them."
            )
        for tenant in plan["deleted"]:
            lifecycle.tenant_soft_delete(
                tenant=tenant, actor=user, reason="Its only member deleted their Quire account."
            )
        for membership in Membership.objects.filter(user=user, tenant__in=plan["left"]):
            account_services.member_left(membership=membership, user=user)
        account_services.user_sessions_end(user=user)
        user.delete()
