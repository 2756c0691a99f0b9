"""Bounces and complaints from the mail provider, on the platform's root domain.

The body is what django-anymail's tracking webhooks normalise every provider's events to
(AnymailTrackingEvent as JSON): one event, a list of them, or {"events": [...]}, each with
`event_type`, `recipient`, and optionally `message_id`, `metadata`, `tags`, `esp_event`.
`bounced`, `rejected` and `complained` suppress the address in its blog; others are ignored.

The blog is found from `metadata.blog` or a `blog:<schema>` tag, else from our Message-ID
(`<n{send}.d{delivery}.{schema}@…>`, set on every newsletter and returned by providers that
echo it). An event naming no blog we know is counted as ignored.

Authenticated with HTTP basic auth against EMAIL_WEBHOOK_SECRET ("user:password"), the way
anymail's WEBHOOK_SECRET is configured at the provider (https://user:password@host/path).
"""

import base64
import binascii
import hmac
import json
import re

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from audience import services
from lib.shapes import Items, Object, ShapeError, shape_check
from tenants import selectors as tenant_selectors
from tenants.context import tenant_context

EVENTS = Items(
    Object(
        {},
        optional={
            "event_type": str,
            "recipient": str,
            "message_id": str,
            "metadata": dict,
            "tags": Items(str),
        },
    ),
    max_items=1_000,
)
SUPPRESSING = {"bounced", "rejected", "complained"}
_SCHEMA_IN_MESSAGE_ID = re.compile(r"\.d\d+\.(t_[a-z0-9_]+)@")


def _authorised(request: HttpRequest) -> bool:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Basic "):
        return False
    try:
        given = base64.b64decode(header[6:], validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(given, settings.EMAIL_WEBHOOK_SECRET.encode())


def _schema_of(event: dict) -> str | None:
    metadata = event.get("metadata") or {}
    if isinstance(metadata, dict) and isinstance(metadata.get("blog"), str):
        return metadata["blog"]
    for tag in event.get("tags") or []:
        if isinstance(tag, str) and tag.startswith("blog:"):
            return tag[5:]
    found = _SCHEMA_IN_MESSAGE_ID.search(str(event.get("message_id") or ""))
    return found.group(1) if found else None


@csrf_exempt
@require_POST
def email_events(request: HttpRequest) -> JsonResponse:
    if not settings.EMAIL_WEBHOOK_SECRET:
        raise Http404("email webhook not configured")
    if not _authorised(request):
        response = JsonResponse({"error": "Wrong or missing credentials."}, status=401)
        response["WWW-Authenticate"] = 'Basic realm="email-events"'
        return response
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "The body is not JSON."}, status=400)
    events = body.get("events", [body]) if isinstance(body, dict) else body
    try:
        shape_check(events, EVENTS, "events")
    except ShapeError as exc:
        return JsonResponse(
            {"error": f'Send one anymail tracking event, a list, or {{"events": [...]}}: '
                      f"{exc.message}"},
            status=400,
        )  # fmt: skip
    suppressed = ignored = 0
    for event in events:
        schema = _schema_of(event)
        tenant = tenant_selectors.tenants_by_schema(schema_names=[schema]) if schema else []
        if event.get("event_type") not in SUPPRESSING or not tenant:
            ignored += 1
            continue
        with tenant_context(tenant[0]):
            found = services.suppression_record(
                email=str(event.get("recipient") or ""), event_type=event["event_type"]
            )
        suppressed += found
        ignored += not found
    return JsonResponse({"suppressed": suppressed, "ignored": ignored})
