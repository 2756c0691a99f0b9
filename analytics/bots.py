"""Known bots, from the `crawler-user-agents` package: the list maintained at
github.com/monperrus/crawler-user-agents (MIT; about 1,500 patterns: search engines, SEO tools,
monitors, HTTP libraries, headless browsers). Update it by bumping the pin in pyproject.toml.

Matching a user agent against every pattern takes about half a millisecond, so answers are
memoised per user agent (readers' browsers send few distinct strings).
"""

import re
from functools import lru_cache

import crawleruseragents

# Feed readers are automated by nature and several are in the list (Feedly, Inoreader...);
# for feeds, a client that says it reads feeds is a reader, not a crawler.
_FEED_READER = re.compile(r"feed|rss|atom|reader|subscriber|podcast", re.IGNORECASE)


@lru_cache(maxsize=8192)
def is_bot(user_agent: str, *, feed: bool = False) -> bool:
    """True for a known bot. No user agent at all is a bot too (every browser sends one)."""
    if not user_agent.strip():
        return True
    if feed and _FEED_READER.search(user_agent):
        return False
    return crawleruseragents.is_crawler(user_agent)
