"""Writes for accounts: users, memberships and the signup -> blog login hand-off."""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.db import transaction
from django.utils import timezone

from shared.accounts.models import HandoffToken, Membership, User

_HANDOFF_SALT = "quire.accounts.handoff"


def user_create(*, email: str, password: str | None, is_staff: bool = False) -> User:
    """Create a user. `password=None` makes an account that must set its password by email."""
    email = User.objects.normalize_email(email).lower()
    if password is not None:
        validate_password(password, User(email=email))
    manager = User.objects
    create = manager.create_superuser if is_staff else manager.create_user
    user = create(email=email, password=password)
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def membership_create(*, user: User, tenant_id: int, role: str) -> Membership:
    return Membership.objects.create(user=user, tenant_id=tenant_id, role=role)


def handoff_issue(*, user: User, tenant_id: int) -> str:
    """A signed token that logs `user` in on one blog's host, once, within a minute."""
    token = HandoffToken.objects.create(user=user, tenant_id=tenant_id)
    return signing.dumps(str(token.id), salt=_HANDOFF_SALT, compress=False)


def handoff_redeem(*, token: str, tenant_id: int) -> User | None:
    """Return the user the token was issued for, or None if it is forged, expired, used or
    meant for another blog. Marking it used is atomic, so it works only once."""
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
        return User.objects.filter(handofftoken__id=token_id, is_active=True).first()


def password_reset_url(*, user: User, base: str) -> str:
    """A link (on `base`, e.g. the blog's host) where `user` sets a new password."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from django.urls import reverse

    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
        urlconf="config.urls_tenant",
    )
    return f"{base}{path}"
