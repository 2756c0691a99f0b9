"""Settings for bench/api.py: the project's, with the API's per-IP and per-token limits off
(wrk and the create loop send everything from one address with one token)."""

from config.settings import *  # noqa: F403

LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
ACCOUNT_RATE_LIMITS = {  # noqa: F405
    **ACCOUNT_RATE_LIMITS,  # noqa: F405
    "api_content": False,
    "api_admin": False,
    "api_token": False,
}
