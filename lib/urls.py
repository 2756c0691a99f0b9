"""Absolute URLs on the platform's hosts: the root domain and a blog's subdomain.

They keep the scheme and port the request came in on, else the configured public ones
(`QUIRE_PUBLIC_SCHEME`, `QUIRE_PUBLIC_PORT`), so links in email work behind a proxy too.
A blog's custom domains are tenants' business (`tenants.selectors.tenant_reader_url`).
"""

from django.conf import settings
from django.http import HttpRequest
from django.http.request import split_domain_port


def blog_host(subdomain: str) -> str:
    return f"{subdomain}.{settings.PLATFORM_DOMAIN}"


def absolute_url(host: str, *, request: HttpRequest | None = None, path: str = "/") -> str:
    scheme, port = settings.QUIRE_PUBLIC_SCHEME, settings.QUIRE_PUBLIC_PORT
    if request is not None:
        scheme = request.scheme
        _host, port = split_domain_port(request.get_host())
    netloc = host + (f":{port}" if port else "")
    return f"{scheme}://{netloc}{path}"


def platform_url(*, request: HttpRequest | None = None, path: str = "/") -> str:
    return absolute_url(settings.PLATFORM_DOMAIN, request=request, path=path)


def blog_url(*, subdomain: str, request: HttpRequest | None = None, path: str = "/") -> str:
    """On the blog's platform subdomain: the dashboard, logins and hand-offs live there even
    when a custom domain is primary (custom domains serve reader pages only)."""
    return absolute_url(blog_host(subdomain), request=request, path=path)
