from django.conf import settings
from django.http import HttpRequest
from django.http.request import split_domain_port


def platform(request: HttpRequest) -> dict:
    tenant = getattr(request, "tenant", None)
    return {
        "PLATFORM_DOMAIN": settings.PLATFORM_DOMAIN,
        "current_tenant": tenant,
        "reader_base": reader_base(request),
    }


def reader_base(request: HttpRequest) -> str:
    """Where the blog's reader pages live, e.g. `https://blog.example.org` when a custom
    domain is primary and the subdomain otherwise, whichever of the blog's hosts was asked:
    canonical links, feeds, the sitemap and robots.txt use it. The dashboard stays on the
    host it was asked on."""
    tenant = getattr(request, "tenant", None)
    host = getattr(tenant, "primary_host", "") if tenant is not None else ""
    if not host or request.path.startswith(("/dashboard/", "/accounts/")):
        return f"{request.scheme}://{request.get_host()}"
    _host, port = split_domain_port(request.get_host())
    return f"{request.scheme}://{host}" + (f":{port}" if port else "")
