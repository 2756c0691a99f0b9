"""Template helpers of the comment fragments (no queries)."""

import hashlib

from django import template

register = template.Library()


@register.filter
def gravatar(email: str) -> str:
    """The Gravatar picture URL of an address (shown only when the blog turns Gravatar on)."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"https://www.gravatar.com/avatar/{digest}?s=64&d=identicon"
