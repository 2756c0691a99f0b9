from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    return {
        "PLATFORM_DOMAIN": settings.PLATFORM_DOMAIN,
        "current_tenant": getattr(request, "tenant", None),
    }
