"""Settings for bench/search: the project's, with the comparison paths added."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.search_urls"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
