"""Billing fixtures: Stripe test settings, signed webhook deliveries, a fake Stripe API.

Only Stripe's servers are faked (a local HTTP server); signatures are computed exactly as
Stripe computes them (HMAC-SHA256 over "timestamp.payload") and checked by the real code.
"""

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from tests.conftest import host_client

WEBHOOK_SECRET = "whsec_test_secret"
PRICE_PRO, PRICE_BUSINESS = "price_pro_test", "price_business_test"
_ids = itertools.count(1)


@pytest.fixture
def stripe_settings(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_quire"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_PRICE_PRO = PRICE_PRO
    settings.STRIPE_PRICE_BUSINESS = PRICE_BUSINESS
    return settings


def stripe_signature(payload: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def stripe_event(event_type: str, obj: dict, *, created: int | None = None, event_id=None):
    return {
        "id": event_id or f"evt_test_{next(_ids)}",
        "object": "event",
        "type": event_type,
        "created": created if created is not None else int(time.time()),
        "data": {"object": obj},
    }


def webhook_post(event: dict | str, *, signature: str | None = None, client=None):
    payload = event if isinstance(event, str) else json.dumps(event)
    client = client or host_client("localhost")
    return client.post(
        "/billing/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature if signature is not None else stripe_signature(payload),
    )


def subscription_object(tenant, *, status="active", price=PRICE_PRO, sub_id="sub_1", **extra):
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": "cus_1",
        "status": status,
        "metadata": {"tenant_id": str(tenant.id), "plan": "pro"},
        "items": {"data": [{"price": {"id": price}, "current_period_end": 1_900_000_000}]},
        "trial_end": extra.pop("trial_end", None),
        **extra,
    }


class FakeStripe:
    """Stripe's API on 127.0.0.1: records each request, answers with `reply`."""

    def __init__(self):
        self.requests: list[dict] = []
        self.reply: tuple[int, dict] = (
            200,
            {"id": "cs_test_1", "object": "checkout.session", "url": "https://pay.example/cs_1"},
        )
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                fake.requests.append(
                    {
                        "path": self.path,
                        "form": parse_qs(body),
                        "auth": self.headers["Authorization"],
                    }
                )
                status, data = fake.reply
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_DELETE(self):
                fake.requests.append({"path": self.path, "method": "DELETE", "form": {},
                                      "auth": self.headers["Authorization"]})  # fmt: skip
                status, data = fake.reply
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def fake_stripe(stripe_settings):
    fake = FakeStripe()
    fake.thread.start()
    stripe_settings.STRIPE_API_BASE = fake.url
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
