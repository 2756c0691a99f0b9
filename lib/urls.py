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


def same_site_request(request: HttpRequest) -> bool:
    """The browser says this request comes from a page of this host: its `Origin` (or,
    without one, `Sec-Fetch-Site`) names no other site. Guards POSTs that cached pages send
    without a CSRF token (their cookies are SameSite=Lax as well)."""
    origin = request.headers.get("Origin")
    if origin:
        return origin in (f"http://{request.get_host()}", f"https://{request.get_host()}")
    return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
