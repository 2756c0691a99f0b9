"""What both APIs share: one JSON error shape, authentication, rate limits.

Every error is `{"error": {"code": ..., "message": ..., "field": ...}}` (plus `upgrade_url`
when a plan stops the request). `ApplicationError` subclasses keep their status codes.
"""

import re
import secrets
from dataclasses import dataclass
from typing import Any

from allauth.core.internal import ratelimit as engine
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyHeader, APIKeyQuery, HttpBearer

from api import services
from api.cache import content_config
from api.models import ApiToken
from lib.errors import ApplicationError
from shared.accounts import ratelimits
from shared.accounts.models import Membership
from shared.billing import services as billing_services


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    error: ErrorDetail


class ApiError(ApplicationError):
    """An API-level refusal with its own code (and headers, e.g. Retry-After)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message, extra={"field": field} if field else None)
        self.status_code = status
        self.code = code
        self.headers = headers or {}


def _code(exc: ApplicationError) -> str:
    """`LimitReached` -> `limit_reached`."""
    return getattr(exc, "code", None) or re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def error_response(
    status: int, code: str, message: str, *, field: str | None = None, **extra: Any
) -> JsonResponse:
    body = {"error": {"code": code, "message": message, "field": field, **extra}}
    return JsonResponse(body, status=status)


def _field(loc: list) -> str | None:
    """Pydantic's location (('body', 'payload', 'title') / ('query', 'limit')) -> 'title'."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "payload")]
    return ".".join(parts) or None


def install_error_handlers(api: NinjaAPI) -> None:
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        extra = {k: v for k, v in exc.extra.items() if k != "field" and isinstance(v, str)}
        response = error_response(
            exc.status_code, _code(exc), exc.message, field=exc.extra.get("field"), **extra
        )
        for name, value in getattr(exc, "headers", {}).items():
            response[name] = value
        return response

    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        first = exc.errors[0] if exc.errors else {}
        field = _field(list(first.get("loc", ())))
        message = first.get("msg", "Invalid input.")
        return error_response(
            400, "invalid", f"{field}: {message}" if field else message, field=field
        )

    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = error_response(401, "unauthorized", "A valid key or token is required.")
        response["WWW-Authenticate"] = "Bearer"
        return response

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(exc.status_code, "http_error", str(exc))

    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, "not_found", "Not found.")

    api.add_exception_handler(ApplicationError, application_error)
    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(AuthenticationError, auth_error)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)


def rate_limit(request: HttpRequest, *, action: str, key: str | None = None) -> None:
    """Count one request; over the limit -> 429 with Retry-After (allauth's limiter)."""
    if not engine.consume(request, app=ratelimits.APP, action=action, key=key, limit_get=True):
        seconds = ratelimits.retry_after(request, action=action, key=key)
        raise ApiError(
            429,
            "rate_limited",
            f"Too many requests: retry in {seconds} seconds.",
            headers={"Retry-After": str(seconds)},
        )


# --- Content API: the blog's content key (query `key=` or header), unless public ---------------


def _content_key_ok(request: HttpRequest) -> bool:
    """Every key sent (query and header) must be the blog's; none sent is fine only when the
    owner made the API public (a wrong key is refused even then: the client is misconfigured)."""
    sent = [k for k in (request.GET.get("key"), request.headers.get("X-Content-Key")) if k]
    content_key, public = content_config(request)  # cached with the blog's pages
    request.content_api_public = public  # shareable answers (api/cache.py)
    if not sent:
        return public
    return all(secrets.compare_digest(k.encode(), content_key.encode()) for k in sent)


class ContentKeyQuery(APIKeyQuery):
    param_name = "key"

    def __call__(self, request: HttpRequest) -> Any:
        rate_limit(request, action="api_content")
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _content_key_ok(request) or None


class ContentKeyHeader(APIKeyHeader):
    param_name = "X-Content-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _content_key_ok(request) or None


# --- Admin API: a member's personal access token ------------------------------------------------


@dataclass(frozen=True)
class Actor:
    token: ApiToken
    user_id: int
    role: str


class AdminToken(HttpBearer):
    """`Authorization: Bearer quire_pat_...`: looked up by its hash in this blog's schema (a
    token of another blog does not exist here: 401), not revoked, not expired, its member
    still a member (the role is read now), the plan includes the API (402), under the
    per-token rate."""

    def __call__(self, request: HttpRequest) -> Any:
        rate_limit(request, action="api_admin")
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        now = timezone.now()
        row = ApiToken.objects.filter(
            token_hash=services.token_hash(token), revoked_at__isnull=True
        ).first()
        if row is None or (row.expires_at is not None and row.expires_at <= now):
            return None
        role = (
            Membership.objects.filter(user_id=row.user_id, tenant_id=request.tenant.id)
            .values_list("role", flat=True)
            .first()
        )
        if role is None:
            return None
        billing_services.limits_check_feature(tenant_id=request.tenant.id, feature="api_access")
        rate_limit(request, action="api_token", key=str(row.id))
        services.token_used(token=row, now=now)
        return Actor(token=row, user_id=row.user_id, role=role)
