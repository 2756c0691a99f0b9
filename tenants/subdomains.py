"""Subdomain rules. Each rule has its own message, so a signup form can say what to fix."""

import re

from django.core.exceptions import ValidationError

MIN_LENGTH = 3
MAX_LENGTH = 40

# Names the platform keeps for itself. Signups may not take them; the platform may (`demo`).
RESERVED = frozenset(
    """
    www admin administrator api app apps mail email smtp imap pop static media assets cdn blog
    blogs help support status docs billing accounts account dashboard signup signin login logout
    register root test demo quire about pricing security abuse postmaster hostmaster webmaster
    ftp ns ns1 ns2 dns mx internal staff system localhost
    """.split()
)

_ALLOWED = re.compile(r"^[a-z0-9-]+$")


def subdomain_normalize(value: str) -> str:
    """Lower-case and trim: upper case input is lowered, not refused."""
    return (value or "").strip().lower()


def subdomain_validate(value: str, *, allow_reserved: bool = False) -> str:
    """Return the normalised subdomain or raise ValidationError with one clear message.

    Whether the name is taken is not checked here (see tenants.selectors).
    """
    sub = subdomain_normalize(value)
    if not sub:
        raise ValidationError("Choose a subdomain for your blog.", code="required")
    if len(sub) < MIN_LENGTH:
        raise ValidationError(
            f"The subdomain is too short: use at least {MIN_LENGTH} characters.", code="too_short"
        )
    if len(sub) > MAX_LENGTH:
        raise ValidationError(
            f"The subdomain is too long: use at most {MAX_LENGTH} characters.", code="too_long"
        )
    if not _ALLOWED.match(sub):
        raise ValidationError(
            "Use only lowercase letters (a-z), digits and hyphens in the subdomain.",
            code="invalid_characters",
        )
    if sub.startswith("-") or sub.endswith("-"):
        raise ValidationError(
            "The subdomain cannot start or end with a hyphen.", code="hyphen_edge"
        )
    if sub.startswith("xn--"):
        raise ValidationError(
            "The subdomain cannot start with 'xn--' (reserved for internationalised names).",
            code="punycode",
        )
    if not allow_reserved and sub in RESERVED:
        raise ValidationError(
            f"'{sub}' is reserved by the platform: please choose another subdomain.",
            code="reserved",
        )
    return sub
