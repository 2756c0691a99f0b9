from django.http import HttpRequest

from lib.urls import platform_url


def accounts(request: HttpRequest) -> dict:
    """`PLATFORM_URL`: the root domain on this request's scheme and port (no trailing slash),
    for links from a blog's host to the one Quire account (login, signup, My blogs)."""
    return {"PLATFORM_URL": platform_url(request=request, path="")}
