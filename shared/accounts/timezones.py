"""Each member's time zone: taken from the browser the first time, used for the
dashboard's times and for reading scheduling input."""

import zoneinfo
from collections.abc import Callable
from functools import cache

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


@cache
def time_zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


def time_zone_valid(name: str) -> bool:
    return name in set(time_zone_names())


class MemberTimeZoneMiddleware:
    """Activate the logged-in member's time zone on the dashboard and the root domain's
    account pages (reader pages stay as they are for everyone)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        on_root = getattr(request, "tenant", "blog") is None
        zone = ""
        if on_root or request.path.startswith("/dashboard/"):
            user = request.user
            zone = user.time_zone if user.is_authenticated else ""
        if zone and time_zone_valid(zone):
            with timezone.override(zoneinfo.ZoneInfo(zone)):
                return self.get_response(request)
        return self.get_response(request)
