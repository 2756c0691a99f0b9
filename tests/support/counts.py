"""Reading a blog's reader counts back from Redis."""

from datetime import UTC

from django.utils import timezone

from analytics import counting

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def counts(tenant) -> dict[str, int]:
    counting.counts_sync()  # counts are sent without waiting for Redis's answer
    today = timezone.now().astimezone(UTC).date()
    raw = counting.redis_client().hgetall(counting.counts_key(today))
    prefix = f"{tenant.id}|"
    return {
        k.decode().removeprefix(prefix): int(v)
        for k, v in raw.items()
        if k.decode().startswith(prefix)
    }
