"""bench/stock_settings.py with `cache_page` on the list (bench/stock_cache_urls.py).

`cache_page` keys on the full URL, host included, so each blog gets its own entry in the
cache (Redis, as configured in config/settings/database.py)."""

from bench.stock_settings import *  # noqa: F403

ROOT_URLCONF = "bench.stock_cache_urls"
PUBLIC_SCHEMA_URLCONF = "bench.stock_cache_urls"
