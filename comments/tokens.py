"""Signed values of the comment forms and mails, salted with the blog's schema (a token of one
blog means nothing on another)."""

import secrets
import time

from django.core import signing

from audience.members import KNOWN

FORM_MAX_SECONDS = 86_400  # a form left open a day must be fetched again
GUEST_COOKIE = "quire_commented"  # the guest's own recent comments (ids), to show and edit
# Not a secret, readable by the page's script: "this browser has something of its own under
# threads" (a member cookie or its own comments), so the script asks for it at once; others
# ask only when they start writing. The same marker audience sets on signing in.
KNOWN_COOKIE = KNOWN


def _salt(purpose: str, schema: str) -> str:
    return f"comments.{purpose}:{schema}"


def form_token_make(*, schema: str, now: float | None = None) -> str:
    """When the form was handed out, and its one-time key (a double submit makes one comment)."""
    issued = int(time.time() if now is None else now)
    return signing.dumps([issued, secrets.token_hex(16)], salt=_salt("form", schema))


def form_token_read(*, schema: str, token: str) -> tuple[float, str] | None:
    """(seconds since the form was handed out, its key), or None for a token not ours."""
    try:
        issued, nonce = signing.loads(token, salt=_salt("form", schema), max_age=FORM_MAX_SECONDS)
        return time.time() - float(issued), str(nonce)[:40]
    except (signing.BadSignature, ValueError, TypeError):
        return None


def guest_ids_read(*, schema: str, raw: str | None) -> list[int]:
    if not raw:
        return []
    try:
        return [int(i) for i in signing.loads(raw, salt=_salt("guest", schema), max_age=86_400)]
    except (signing.BadSignature, ValueError, TypeError):
        return []


def guest_ids_make(*, schema: str, ids: list[int]) -> str:
    return signing.dumps(ids[-20:], salt=_salt("guest", schema))


def link_make(*, schema: str, purpose: str, comment_id: int) -> str:
    """A mailed link's token: "moderate" (the author's approve / spam buttons, 7 days) or
    "replies" (a commenter's one-click unsubscribe from replies, no expiry)."""
    return signing.dumps(comment_id, salt=_salt(purpose, schema))


def link_read(*, schema: str, purpose: str, token: str) -> int | None:
    max_age = 7 * 86_400 if purpose == "moderate" else None
    try:
        return int(signing.loads(token, salt=_salt(purpose, schema), max_age=max_age))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def known_cookie_set(response, *, days: int = 365) -> None:
    response.set_cookie(KNOWN_COOKIE, "1", max_age=days * 86_400, samesite="Lax")
