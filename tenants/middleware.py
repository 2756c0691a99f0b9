"""Host routing and health checks. See ARCHITECTURE.md for the middleware order."""

from collections.abc import Callable

import redis
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.http.request import split_domain_port
from django.template.loader import render_to_string
from django.urls import set_urlconf

from tenants.models import Tenant
from tenants.routing import host_resolve


class HealthzMiddleware:
    """`GET /healthz` on any host: 200 when PostgreSQL and Redis answer, 503 otherwise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path not in ("/healthz", "/healthz/"):
            return self.get_response(request)
        checks = {"database": _database_ok(), "redis": _redis_ok()}
        healthy = all(checks.values())
        body = {"status": "ok" if healthy else "unavailable"} | {
            name: "ok" if ok else "unreachable" for name, ok in checks.items()
        }
        return JsonResponse(body, status=200 if healthy else 503)


class CaddyAskMiddleware:
    """`GET /_quire/ask?domain=<host>` on any host: Caddy's on-demand TLS asks before it gets
    a certificate. 200 only for the platform domain (and www), an active blog's subdomain or
    an active blog's verified custom domain on a plan that includes it; 4xx for anything else.
    Answers come from the routing cache (Redis, plus the in-process memo): no query on a hit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != "/_quire/ask":
            return self.get_response(request)
        connection.set_schema_to_public()  # no query; log lines name no blog
        domain = request.GET.get("domain", "").strip().lower().rstrip(".")
        if not domain or len(domain) > 253:
            return HttpResponse("domain missing\n", status=400, content_type="text/plain")
        route = host_resolve(domain)
        if route is None:
            return _ask_answer("unknown", 404)
        if route.kind == "tenant" and not route.tenant.is_active:
            status = 404 if route.tenant.status == Tenant.Status.DELETED else 403
            return _ask_answer(route.tenant.status, status)
        return _ask_answer("ok", 200)


def _ask_answer(text: str, status: int) -> HttpResponse:
    response = HttpResponse(f"{text}\n", status=status, content_type="text/plain")
    # Its length, or gunicorn sends it chunked (CommonMiddleware, which would set it, is later).
    response["Content-Length"] = str(len(response.content))
    # A refusal is an answer, not an error: Caddy asks about every name it is sent, so these
    # would flood the log as "Not Found" warnings (Django skips responses marked logged).
    response._has_been_logged = True
    return response


def _database_ok() -> bool:
    try:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        connection.close_if_unusable_or_obsolete()
        return False


def _redis_ok() -> bool:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False


class TenantRoutingMiddleware:
    """Pick the URLconf and schema from the Host header.

    Root domain and www: public URLconf, public schema, `request.tenant = None`.
    A blog's host: tenant URLconf, the blog's schema, `request.tenant` set.
    A blog's verified custom domain: reader pages only (config/urls_custom.py), no logins.
    A blog's subdomain when a custom domain is primary: reader pages answer 301 to it.
    Anything else: a 404 page. A suspended blog: a 403 page; its data is kept.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        connection.set_schema_to_public()
        try:
            hostname, _port = split_domain_port(request.get_host())
        except DisallowedHost:
            hostname = ""
        route = host_resolve(hostname) if hostname else None
        if route is None:
            return _plain_page("tenants/unknown_host.html", 404, {"host": hostname})
        if route.kind == "public":
            request.tenant = None
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return self.get_response(request)
        tenant = route.tenant
        if tenant.status == Tenant.Status.DELETED:
            return _plain_page("tenants/unknown_host.html", 404, {"host": hostname})
        if not tenant.is_active:
            return _plain_page("tenants/suspended.html", 403, {"tenant": tenant})
        if (
            not route.custom
            and route.primary_host != hostname
            and request.method in ("GET", "HEAD")
            and not request.path.startswith(_PLATFORM_ONLY_PATHS)
        ):
            netloc = route.primary_host + (f":{_port}" if _port else "")
            return HttpResponsePermanentRedirect(
                f"{request.scheme}://{netloc}{request.get_full_path()}"
            )
        tenant.domain_url = hostname
        tenant.primary_host = route.primary_host
        request.tenant = tenant
        connection.set_tenant(tenant)
        request.urlconf = settings.CUSTOM_DOMAIN_URLCONF if route.custom else settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        response = self.get_response(request)
        if route.custom and settings.SECURE_HSTS_SECONDS and request.is_secure():
            # An owner's domain gets HSTS for itself only: includeSubDomains would force HTTPS
            # on every other name under their domain. SecurityMiddleware keeps a header set here.
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={settings.SECURE_HSTS_SECONDS}"
            )
        return response


# Served on the platform subdomain even when a custom domain is primary: the dashboard, logins
# and everything a session is needed for; the Admin API (tokens are per platform host).
_PLATFORM_ONLY_PATHS = ("/dashboard/", "/accounts/", "/_quire/", "/api/admin/")


def _plain_page(template: str, status: int, context: dict) -> HttpResponse:
    """A page rendered without request context: nothing about the host is trusted yet."""
    context = context | {"PLATFORM_DOMAIN": settings.PLATFORM_DOMAIN}
    return HttpResponse(render_to_string(template, context), status=status)
