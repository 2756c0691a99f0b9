"""Log lines with time, level, logger, request id and tenant; JSON when LOG_FORMAT=json.

`RequestIdMiddleware` gives each request an id (the proxy's `X-Request-ID` when a trusted
proxy sent one, else a new one), returns it as `X-Request-ID`, and keeps it in a context
variable that `ContextFilter` puts on every record made while the request is handled. The
tenant is the blog whose schema the connection is on (Celery tasks included), `-` for none.
"""

import contextvars
import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _tenant_label() -> str:
    try:
        from django.db import connection

        tenant = getattr(connection, "tenant", None)
    except Exception:  # during start-up, before apps are ready
        return "-"
    return getattr(tenant, "subdomain", None) or "-"


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.tenant = _tenant_label()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "tenant": getattr(record, "tenant", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class RequestIdMiddleware:
    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request):
        # tenants.proxy drops X-Request-ID from peers that are not trusted proxies.
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        request_id_var.set(request_id)  # not reset: django.request logs after the middleware
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
