"""Writes of the API app: tokens, the Content API key, idempotency records.

All work in the current blog's schema (set by the caller); `tenant_id=` is passed where the
public schema (plans, memberships) is asked.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from api.models import ApiToken, ContentApiConfig, IdempotencyRecord
from blog.cache import blog_changed
from lib.errors import ApplicationError, Conflict
from shared.accounts.models import User
from shared.billing import services as billing_services

TOKEN_PREFIX = "quire_pat_"
IDEMPOTENCY_HOURS = 24
LAST_USED_PRECISION = timedelta(minutes=1)  # at most one write per token per minute
MAX_TOKEN_NAME = 100


class ApiTokenInvalid(ApplicationError):
    pass


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(
    *, tenant_id: int, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new personal access token for `user` on this blog: (row, the token itself, shown
    once). The plan must include the API."""
    billing_services.limits_check_feature(tenant_id=tenant_id, feature="api_access")
    name = " ".join(name.split())
    if not name:
        raise ApiTokenInvalid("Give the token a name (what will use it).", extra={"field": "name"})
    if len(name) > MAX_TOKEN_NAME:
        raise ApiTokenInvalid(
            f"The name is too long ({MAX_TOKEN_NAME} characters at most).", extra={"field": "name"}
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ApiTokenInvalid("The expiry date is in the past.", extra={"field": "expires_at"})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user_id=user.id,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=token_hash(raw),
        expires_at=expires_at,
    )
    return token, raw


def token_revoke(*, token: ApiToken) -> None:
    """Refused from the next request on (every request looks the token up)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def token_used(*, token: ApiToken, now: datetime) -> None:
    """Record the last use, at most once a minute (no write per request)."""
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(id=token.id).update(last_used_at=now)
        token.last_used_at = now


def content_api_config() -> ContentApiConfig:
    """The blog's Content API settings, made (with a fresh key) on first use."""
    config = ContentApiConfig.objects.filter(id=1).first()
    if config is None:
        config, _ = ContentApiConfig.objects.get_or_create(
            id=1, defaults={"content_key": secrets.token_hex(16)}
        )
    return config


def content_key_rotate() -> ContentApiConfig:
    config = content_api_config()
    config.content_key = secrets.token_hex(16)
    config.save(update_fields=["content_key", "updated_at"])
    blog_changed()  # cached answers repeat the old key in their links (api/cache.py)
    return config


def content_api_public_set(*, public: bool) -> ContentApiConfig:
    config = content_api_config()
    config.public = public
    config.save(update_fields=["public", "updated_at"])
    blog_changed()  # a front cache may hold public answers: purged (api/cache.py)
    return config


def idempotency_lookup(*, token: ApiToken, key: str, body_hash: str) -> int | None:
    """The post made earlier for this key (same body), None if the key is new; a key reused
    with another body is refused."""
    since = timezone.now() - timedelta(hours=IDEMPOTENCY_HOURS)
    IdempotencyRecord.objects.filter(token=token, created_at__lt=since).delete()
    record = IdempotencyRecord.objects.filter(token=token, key=key).first()
    if record is None:
        return None
    if record.body_hash != body_hash:
        raise Conflict(
            "This Idempotency-Key was used with a different request body.",
            extra={"field": "Idempotency-Key"},
        )
    return record.post_id


def idempotency_store(*, token: ApiToken, key: str, body_hash: str, post_id: int) -> None:
    """Called inside the create's transaction: a concurrent twin fails on the unique key and
    rolls its post back."""
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                token=token, key=key, body_hash=body_hash, post_id=post_id
            )
    except IntegrityError as exc:
        raise Conflict(
            "A request with this Idempotency-Key is already in progress; retry it.",
            extra={"field": "Idempotency-Key"},
        ) from exc
