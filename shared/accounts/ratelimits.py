"""Abuse limits, all on allauth's rate limiter (one engine, one cache, one 429 page).

allauth applies its own limits (signup, login, failed logins, password reset, email
confirmation...). Quire's actions use the same engine and the same setting,
`ACCOUNT_RATE_LIMITS` ("amount/period/per", per = ip | user | key):
`blog_create` (My blogs -> New blog), `search` (a blog's /search/), `invitation_send`.

The client is `request.META["REMOTE_ADDR"]` only: behind the trusted proxy, the proxy
middleware (config) has already put the real client there; a forwarding header
from anyone else is never read here.

A limited request gets `429.html` with a `Retry-After` header and the time to wait.
"""

import math
import time
from collections.abc import Callable
from functools import wraps

from allauth.core.internal import ratelimit as engine
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

APP = "allauth.account"  # whose RATE_LIMITS setting holds the rates


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def retry_after(request: HttpRequest, *, action: str, key: str | None = None) -> int:
    """Seconds until `action` is allowed again for this client (at least 1)."""
    now, wait = time.time(), 0.0
    for rate in engine.get_rates(app=APP, action=action):
        if (rate.per == "key" and key is None) or (
            rate.per == "user" and not request.user.is_authenticated
        ):
            continue
        cache_key = engine.get_cache_key(request, app=APP, action=action, rate=rate, key=key)
        history = [t for t in cache.get(cache_key, []) if t > now - rate.duration]
        if len(history) >= rate.amount:
            wait = max(wait, history[-1] + rate.duration - now)
    return max(1, math.ceil(wait))


def too_many_requests(
    request: HttpRequest, *, action: str | None, key: str | None = None
) -> HttpResponse:
    seconds = retry_after(request, action=action, key=key) if action else 60
    minutes = math.ceil(seconds / 60)
    when = f"{seconds} seconds" if seconds < 120 else f"{minutes} minutes"
    response = render(request, "429.html", {"retry_after": seconds, "when": when}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def limit(request: HttpRequest, *, action: str, key: str | None = None) -> HttpResponse | None:
    """Count one `action` for this client; the 429 response when over a limit, else None."""
    if engine.consume(request, app=APP, action=action, key=key, limit_get=True):
        return None
    return too_many_requests(request, action=action, key=key)


def rate_limited(action: str, *, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """Limit a view's `methods` requests by `ACCOUNT_RATE_LIMITS[action]`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in methods:
                response = limit(request, action=action)
                if response is not None:
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# allauth's own limits end in `handler429` of the URLconf: find which action it was.
_ALLAUTH_ACTIONS = {
    "account_signup": ("signup", None),
    "account_login": ("login", None),
    "account_reset_password": ("reset_password", "email"),
    "account_reset_password_from_key": ("reset_password_from_key", None),
    "account_change_password": ("change_password", None),
    "account_email": ("manage_email", None),
    "account_reauthenticate": ("reauthenticate", None),
}


def handler429(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    match = getattr(request, "resolver_match", None)
    action, key_field = _ALLAUTH_ACTIONS.get(match.url_name if match else "", (None, None))
    key = request.POST.get(key_field, "").lower() if key_field else None
    return too_many_requests(request, action=action, key=key or None)
