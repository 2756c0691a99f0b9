"""What a request tells analytics, without keeping anything that identifies a reader: the
device class, the referring domain, and a visitor hash made with a salt that changes every
day and is deleted after it (so yesterday's hashes cannot be recomputed)."""

import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from hashlib import blake2b
from urllib.parse import urlsplit

import redis

from analytics.keys import SALT_GRACE_SECONDS, salt_key

_TABLET = re.compile(r"iPad|Tablet|Kindle|Silk/|PlayBook|Nexus (7|9|10)|SM-T\d", re.IGNORECASE)
_MOBILE = re.compile(r"Mobi|iPhone|iPod|Android|Windows Phone|BlackBerry|Opera Mini", re.I)
_DESKTOP = re.compile(r"Windows NT|Macintosh|X11|Linux|CrOS", re.IGNORECASE)


@lru_cache(maxsize=4096)
def device_class(user_agent: str) -> str:
    """desktop, mobile, tablet or other, from the user agent (a tablet's Android has no
    "Mobile"; an iPad asking for the desktop site says Macintosh and counts as desktop)."""
    if _TABLET.search(user_agent) or ("Android" in user_agent and "Mobile" not in user_agent):
        return "tablet"
    if _MOBILE.search(user_agent):
        return "mobile"
    if _DESKTOP.search(user_agent):
        return "desktop"
    return "other"


_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,98}[a-z0-9])?")


def referrer_domain(referrer: str, *, own_host: str) -> str:
    """The referring site's domain (no `www.`), or "" for none, this blog itself, or junk."""
    if not referrer:
        return ""
    try:
        host = (urlsplit(referrer.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    own = own_host.lower().split(":")[0]
    if not host or host == own:
        return ""
    host = host.removeprefix("www.")
    return host if _DOMAIN.fullmatch(host) else ""


def _salt_for(client: redis.Redis, day: date) -> bytes:
    """The day's salt: made by whichever process asks first (SET NX), read by the others,
    then remembered by this process until the day changes."""
    cached = _salt_memo.get("salt")
    if cached is not None and cached[0] == day:
        return cached[1]
    key = salt_key(day)
    ends = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
    expires = int(ends.timestamp()) + SALT_GRACE_SECONDS
    fresh = secrets.token_bytes(16)
    client.set(key, fresh, nx=True, exat=expires)
    salt = client.get(key) or fresh
    _salt_memo["salt"] = (day, salt)
    return salt


_salt_memo: dict[str, tuple[date, bytes]] = {}


def visitor_hash(*, salt: bytes, tenant_id: int, ip: str, user_agent: str) -> str:
    data = b"|".join([salt, str(tenant_id).encode(), ip.encode(), user_agent.encode()])
    return blake2b(data, digest_size=16).hexdigest()
