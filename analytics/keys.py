"""Where analytics keeps its counts in Redis, and for how long."""

from datetime import date

PREFIX = "quire:an"
COUNTS_SECONDS = 7 * 86400  # counts the flush never took (beat down) go after a week
UNIQUE_SECONDS = 3 * 86400  # a day's visitor sketch, while its late batches are flushed
SALT_GRACE_SECONDS = 3600  # a salt outlives its day by this much (clock skew), then is gone


def counts_key(day: date) -> str:
    return f"{PREFIX}:{day.isoformat()}:counts"


def unique_key(day: date, tenant_id: int) -> str:
    return f"{PREFIX}:{day.isoformat()}:uniq:{tenant_id}"


def salt_key(day: date) -> str:
    return f"{PREFIX}:salt:{day.isoformat()}"
