"""Writes for accounts: users, memberships and the signup -> blog login hand-off."""

import logging

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from lib.errors import ApplicationError, NotAllowed
from shared.accounts import selectors, signals
from shared.accounts.emails import email_send
from shared.accounts.models import HandoffToken, Invitation, Membership, User
from shared.accounts.timezones import time_zone_valid
from shared.billing import services as billing_services
from shared.billing.exceptions import LimitReached

logger = logging.getLogger(__name__)

_HANDOFF_SALT = "quire.accounts.handoff"


class EmailUnverified(NotAllowed):
    """The action needs a confirmed email address (publishing, inviting)."""


def user_create(
    *,
    email: str,
    password: str | None,
    is_staff: bool = False,
    email_verified: bool | None = None,
) -> User:
    """Create a user outside the signup form (operators' commands, invitations).

    `password=None` makes an account that must set its password by email. The address is
    recorded for allauth as verified when `email_verified` (default: accounts made by
    operators, i.e. staff or without a password, whose owner proves the address by the
    emailed link)."""
    email = User.objects.normalize_email(email).lower()
    if password is not None:
        validate_password(password, User(email=email))
    manager = User.objects
    create = manager.create_superuser if is_staff else manager.create_user
    user = create(email=email, password=password)
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if email_verified is None:
        email_verified = is_staff or password is None
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    return user


def user_time_zone_set(*, user: User, time_zone: str) -> User:
    """Set the member's time zone (an IANA name such as "Europe/Paris")."""
    time_zone = time_zone.strip()
    if not time_zone_valid(time_zone):
        raise ValueError(f"'{time_zone[:64]}' is not a time zone: choose one from the list.")
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
    return user


def publishing_allowed_check(*, tenant_id: int) -> None:
    """The one rule blog services call before a post goes live and before an invitation:
    a blog publishes and invites only once an owner has confirmed their email address.
    Raises EmailUnverified (writing drafts is always allowed)."""
    if not selectors.tenant_owner_verified(tenant_id=tenant_id):
        raise EmailUnverified(
            "Confirm your email address first: open the link we emailed you (the dashboard "
            "can send it again). You can keep writing meanwhile."
        )


def membership_create(*, user: User, tenant_id: int, role: str) -> Membership:
    with transaction.atomic():
        membership = Membership.objects.create(user=user, tenant_id=tenant_id, role=role)
        _member_signal(signals.member_added, membership, user=user)
    return membership


def _member_signal(signal, membership: Membership, *, user: User) -> None:
    """Tell the apps above (webhooks) about a membership change, inside its transaction."""
    signal.send(
        sender=Membership,
        tenant_id=membership.tenant_id,
        user_id=user.id,
        email=user.email,
        role=membership.role,
    )


def member_left(*, membership: Membership, user: User) -> None:
    """Announce that `user` leaves the blog of `membership` (their account is being deleted)."""
    _member_signal(signals.member_removed, membership, user=user)


def user_sessions_end(*, user: User) -> None:
    """Log `user` out everywhere: every session on every host (root and blogs) stops being
    valid at its next request, because the session auth hash includes this counter."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])


def handoff_issue(*, user: User, tenant_id: int) -> str:
    """A signed token that logs `user` in on one blog's host, once, within a minute.

    Issued to members only (from signup, "My blogs" or a blog's "log in with your Quire
    account"); redeeming checks the membership again."""
    token = HandoffToken.objects.create(user=user, tenant_id=tenant_id)
    return signing.dumps(str(token.id), salt=_HANDOFF_SALT, compress=False)


def handoff_redeem(*, token: str, tenant_id: int) -> User | None:
    """Return the user the token was issued for, or None if it is forged, expired, used or
    meant for another blog, or if the person is no longer a member of this blog. Marking it
    used is atomic, so it works only once."""
    try:
        token_id = signing.loads(token, salt=_HANDOFF_SALT, max_age=settings.QUIRE_HANDOFF_MAX_AGE)
    except signing.BadSignature:
        return None
    with transaction.atomic():
        claimed = HandoffToken.objects.filter(
            id=token_id, tenant_id=tenant_id, used_at__isnull=True
        ).update(used_at=timezone.now())
        if claimed != 1:
            return None
        return User.objects.filter(
            handofftoken__id=token_id, is_active=True, memberships__tenant_id=tenant_id
        ).first()


def password_reset_url(*, user: User, base: str) -> str:
    """A link (on `base`, e.g. the blog's host) where `user` sets a new password."""
    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
        urlconf="config.urls_tenant",
    )
    return f"{base}{path}"


# --- invitations -------------------------------------------------------------------------

_INVITE_SALT = "quire.accounts.invitation"
INVITATION_MAX_AGE = 7 * 24 * 3600


class InvitationInvalid(ApplicationError):
    pass


def invitation_create(
    *, tenant_id: int, blog_name: str, email: str, role: str, invited_by: User, url_base: str
) -> Invitation:
    """Invite `email` to a blog with `role` and email them a link on `url_base` (the blog's
    host). Inviting the same address again replaces the pending invitation."""
    email = User.objects.normalize_email(email).strip().lower()
    if role not in Membership.Role.values:
        raise InvitationInvalid("Choose a role: owner, editor or author.")
    try:
        publishing_allowed_check(tenant_id=tenant_id)
    except EmailUnverified as exc:
        raise InvitationInvalid(str(exc)) from exc
    if Membership.objects.filter(tenant_id=tenant_id, user__email__iexact=email).exists():
        raise InvitationInvalid(f"{email} is already a member of this blog.")
    # Pending invitations count as seats: a blog cannot invite past its plan's limit.
    seats = (
        Membership.objects.filter(tenant_id=tenant_id).count()
        + Invitation.objects.filter(tenant_id=tenant_id, accepted_at__isnull=True).count()
    )
    billing_services.limits_check_member(tenant_id=tenant_id, member_count=seats)
    with transaction.atomic():
        Invitation.objects.filter(
            tenant_id=tenant_id, email=email, accepted_at__isnull=True
        ).delete()
        invitation = Invitation.objects.create(
            tenant_id=tenant_id, email=email, role=role, invited_by=invited_by
        )
    token = signing.dumps(str(invitation.id), salt=_INVITE_SALT, compress=False)
    context = {
        "blog_name": blog_name,
        "inviter": invited_by.email,
        "role": role,
        "link": f"{url_base}/dashboard/join/{token}/",
    }

    def send() -> None:
        try:
            email_send(
                template="invitation",
                to=[email],
                context=context,
                sender_name=blog_name,
                sender_url=f"{url_base}/",
            )
        except Exception:  # the invitation stands; the owner can send it again
            logger.exception(
                "could not send the invitation email to %s for blog %s", email, tenant_id
            )

    transaction.on_commit(send)
    return invitation


def invitation_from_token(*, token: str, tenant_id: int) -> Invitation | None:
    """The pending invitation behind a link, or None if forged, expired, used or revoked, or
    meant for another blog."""
    try:
        invitation_id = signing.loads(token, salt=_INVITE_SALT, max_age=INVITATION_MAX_AGE)
    except signing.BadSignature:
        return None
    return Invitation.objects.filter(
        id=invitation_id, tenant_id=tenant_id, accepted_at__isnull=True
    ).first()


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Make `user` (whose email must match) a member with the invited role. Works once."""
    if user.email.lower() != invitation.email.lower():
        raise InvitationInvalid(
            f"This invitation is for {invitation.email}: log in with that address to accept it."
        )
    members = Membership.objects.filter(tenant_id=invitation.tenant_id).count()
    try:
        billing_services.limits_check_member(tenant_id=invitation.tenant_id, member_count=members)
    except LimitReached as exc:
        raise InvitationInvalid(f"{exc} Ask the blog's owner to upgrade.") from exc
    with transaction.atomic():
        claimed = Invitation.objects.filter(id=invitation.id, accepted_at__isnull=True).update(
            accepted_at=timezone.now()
        )
        if claimed != 1:
            raise InvitationInvalid("This invitation was already used.")
        membership, created = Membership.objects.get_or_create(
            user=user, tenant_id=invitation.tenant_id, defaults={"role": invitation.role}
        )
        if created:
            _member_signal(signals.member_added, membership, user=user)
    return membership


def invitation_accept_new_user(*, invitation: Invitation, password: str) -> User:
    """Create the invited person's account (the link proves the address) and accept."""
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationInvalid("You already have an account: log in to accept the invitation.")
    with transaction.atomic():
        # The link was emailed to this address: opening it proves the address.
        user = user_create(email=invitation.email, password=password, email_verified=True)
        invitation_accept(invitation=invitation, user=user)
    return user


def invitation_revoke(*, invitation_id: str, tenant_id: int) -> bool:
    return (
        Invitation.objects.filter(
            id=invitation_id, tenant_id=tenant_id, accepted_at__isnull=True
        ).delete()[0]
        == 1
    )


def _last_owner(membership: Membership) -> bool:
    return (
        membership.role == Membership.Role.OWNER
        and Membership.objects.filter(
            tenant_id=membership.tenant_id, role=Membership.Role.OWNER
        ).count()
        == 1
    )


def membership_role_set(*, membership_id: int, tenant_id: int, role: str) -> Membership:
    """Change a member's role; a blog always keeps at least one owner."""
    membership = Membership.objects.filter(id=membership_id, tenant_id=tenant_id).first()
    if membership is None:
        raise InvitationInvalid("No such member.")
    if role not in Membership.Role.values:
        raise InvitationInvalid("Choose a role: owner, editor or author.")
    if role != Membership.Role.OWNER and _last_owner(membership):
        raise InvitationInvalid("A blog needs an owner: make someone else owner first.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


def membership_remove(*, membership_id: int, tenant_id: int) -> None:
    """Remove a member; a blog always keeps at least one owner."""
    membership = Membership.objects.filter(id=membership_id, tenant_id=tenant_id).first()
    if membership is None:
        raise InvitationInvalid("No such member.")
    if _last_owner(membership):
        raise InvitationInvalid("A blog needs an owner: make someone else owner first.")
    with transaction.atomic():
        _member_signal(signals.member_removed, membership, user=membership.user)
        membership.delete()


# --- account deletion ----------------------------------------------------------------------


def user_delete_plan(*, user: User) -> dict[str, list]:
    """What deleting the account does to each of the person's blogs:

    - `deleted`: blogs where they are the only member (soft-deleted: offline at once, an
      export kept, the schema dropped after the grace period);
    - `left`: blogs they only leave (someone else is an owner too, or they are not an owner);
    - `blocking`: blogs they are the only owner of, with other members: deletion is refused
      until they make someone else owner (Members screen) or remove the others.
    """
    plan: dict[str, list] = {"deleted": [], "left": [], "blocking": []}
    memberships = Membership.objects.filter(user=user, tenant__deleted_at__isnull=True)
    for membership in memberships.select_related("tenant").order_by("tenant__name"):
        others = Membership.objects.filter(tenant_id=membership.tenant_id).exclude(user=user)
        if not others.exists():
            plan["deleted"].append(membership.tenant)
        elif (
            membership.role != Membership.Role.OWNER
            or others.filter(role=Membership.Role.OWNER).exists()
        ):
            plan["left"].append(membership.tenant)
        else:
            plan["blocking"].append(membership.tenant)
    return plan
