"""Settings for bench/search: the project's, with the comparison paths added."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.search_urls"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
# wrk sends every request from one address: the per-IP search limit (60/min) would answer 429s.
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "search": False}  # noqa: F405
