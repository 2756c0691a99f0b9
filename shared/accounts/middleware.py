"""A session belongs to the host (schema) it was made on.

Cookies are host-only already; this also refuses a session id copied to another blog's host:
such a request gets a fresh, empty session, so it is not logged in there.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

SESSION_SCHEMA_KEY = "_quire_schema"


def _schema_of(request: HttpRequest) -> str:
    tenant = getattr(request, "tenant", None)
    return tenant.schema_name if tenant is not None else "public"


class TenantBoundSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        schema = _schema_of(request)
        session = request.session
        bound = session.get(SESSION_SCHEMA_KEY)
        if bound is not None and bound != schema:
            # Not this host's session: ignore it (do not delete it; it is valid elsewhere).
            request.session = session.__class__()
        response = self.get_response(request)
        session = request.session
        if not session.is_empty() and session.get(SESSION_SCHEMA_KEY) != schema:
            session[SESSION_SCHEMA_KEY] = schema
        return response
