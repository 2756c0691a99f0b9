"""The page token a reader page's beacon sends back: which post (0: not a post), signed for
this blog, so the beacon endpoint counts only pages the blog really served."""

from django.utils.crypto import constant_time_compare, salted_hmac

INVALID = object()
_SALT = "quire.analytics.beacon"


def _signature(*, tenant_id: int, post_id: int) -> str:
    return salted_hmac(_SALT, f"{tenant_id}:{post_id}").hexdigest()[:16]


def token_make(*, tenant_id: int, post_id: int | None) -> str:
    number = post_id or 0
    return f"{number}.{_signature(tenant_id=tenant_id, post_id=number)}"


def token_read(*, tenant_id: int, token: str) -> "int | None | object":
    """The post id (None for a page that is not a post), or INVALID."""
    number, _, signature = token.partition(".")
    if not (number.isascii() and number.isdecimal() and len(number) <= 18):
        return INVALID
    if not constant_time_compare(signature, _signature(tenant_id=tenant_id, post_id=int(number))):
        return INVALID
    return int(number) or None
