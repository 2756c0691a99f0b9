"""Signed links in subscriber mails. The salt names the blog's schema, so a token made for one
blog is refused by every other (django.core.signing: HMAC with SECRET_KEY)."""

from django.conf import settings
from django.core import signing

from lib.errors import ApplicationError


class LinkInvalid(ApplicationError):
    """A subscriber link that is not ours, or too old."""


def _salt(purpose: str, schema_name: str) -> str:
    return f"audience.{purpose}:{schema_name}"


def confirm_token_make(*, schema_name: str, subscriber_id: int, email: str) -> str:
    return signing.dumps([subscriber_id, email], salt=_salt("confirm", schema_name))


def confirm_token_read(*, schema_name: str, token: str) -> tuple[int, str]:
    """(subscriber id, email) of a confirmation link younger than SUBSCRIBER_CONFIRM_DAYS."""
    max_age = settings.SUBSCRIBER_CONFIRM_DAYS * 86_400
    try:
        subscriber_id, email = signing.loads(
            token, salt=_salt("confirm", schema_name), max_age=max_age
        )
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise LinkInvalid("This link is invalid or has expired.") from exc
    return int(subscriber_id), str(email)


def unsubscribe_token_make(*, schema_name: str, subscriber_id: int) -> str:
    """Never expires: an old newsletter's unsubscribe link must keep working."""
    return signing.dumps(subscriber_id, salt=_salt("unsubscribe", schema_name))


def unsubscribe_token_read(*, schema_name: str, token: str) -> int:
    try:
        return int(signing.loads(token, salt=_salt("unsubscribe", schema_name)))
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise LinkInvalid("This link is invalid or has expired.") from exc
