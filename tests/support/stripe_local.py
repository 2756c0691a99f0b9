"""A real local Stripe for the membership tests: localstripe (a Stripe API server) in a
subprocess, behind an edge server of our own (http.server in a thread, on 127.0.0.1) that
adds what Quire uses and localstripe lacks, and proxies the rest of `/v1/*` to it.

The edge speaks Stripe's wire format (form-encoded requests, JSON answers, Stripe's error
shape, `Request-Id`, idempotency keys) and adds:

- Connect: OAuth (`/oauth/authorize` page, `/oauth/token`, `/oauth/deauthorize`) minting
  Standard accounts; the `Stripe-Account` header scopes every object to the account it was
  created on (another account's object is a 404, lists hold only the account's objects).
- Prices (on localstripe's Plans, same id), Checkout Sessions with a payment page
  (`/pay/{id}`), Billing Portal sessions with a page (`/portal/{id}`), promotion codes,
  and test clocks, which renew, fail (card 4000000000000341) or end subscriptions.
- Subscription answers in the current API's shape (`items.data[].price`, the period on the
  items and at the top), with parameters localstripe refuses kept in an overlay.
- Events it builds for the changes it makes, signed as Stripe signs them, queued in
  `events` and, when `target_url` is set, POSTed there in order from a background thread
  (`hold()` keeps them back until `release()`, as a slow Stripe would).
"""

import hashlib
import hmac
import html
import http.server
import json
import queue
import re
import secrets
import string
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import stripe
from dateutil.relativedelta import relativedelta

from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[2]
GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
FAILS_LATER_CARD = "4000000000000341"
EDGE_RESOURCES = {"prices", "promotion_codes", "accounts", "account"}
# Prefixes of ids -> the collection that answers them (for `expand`).
PREFIXES = {
    "cus_": "customers",
    "sub_": "subscriptions",
    "in_": "invoices",
    "prod_": "products",
    "price_": "prices",
    "pi_": "payment_intents",
    "pm_": "payment_methods",
    "ch_": "charges",
    "cs_": "checkout/sessions",
    "promo_": "promotion_codes",
    "clock_": "test_helpers/test_clocks",
    "acct_": "accounts",
}
NUMERIC = re.compile(r"(_percent|amount|_days|_at|_time|max_redemptions|_in_months|redeem_by)$")
SUB_CREATE = {
    "customer", "metadata", "items", "trial_end", "default_tax_rates", "trial_from_plan",
    "backdate_start_date", "plan", "quantity", "payment_behavior", "trial_period_days",
    "billing_cycle_anchor", "proration_behavior", "expand",
}  # fmt: skip
SUB_UPDATE = {
    "metadata", "items", "trial_end", "default_tax_rates", "plan", "quantity", "prorate",
    "proration_date", "cancel_at_period_end", "cancel_at", "expand",
}  # fmt: skip
CUSTOMER_FIELDS = {
    "name", "description", "email", "phone", "address", "invoice_settings",
    "preferred_locales", "metadata", "payment_method", "balance", "source", "expand",
}  # fmt: skip
PRODUCT_FIELDS = {
    "id", "name", "type", "active", "caption", "description", "attributes", "shippable",
    "url", "statement_descriptor", "metadata", "expand",
}  # fmt: skip
COUPON_FIELDS = {
    "id", "duration", "amount_off", "percent_off", "currency", "metadata",
    "duration_in_months", "expand",
}  # fmt: skip
CHECKOUT_PARAMS = {
    "mode", "line_items", "customer", "customer_email", "client_reference_id", "success_url",
    "cancel_url", "metadata", "subscription_data", "automatic_tax", "discounts",
    "allow_promotion_codes", "expand", "locale", "payment_method_types",
    "billing_address_collection", "customer_update", "consent_collection",
    "payment_method_collection", "expires_at", "ui_mode", "tax_id_collection", "custom_text",
}  # fmt: skip
SUBSCRIPTION_DATA = {
    "metadata", "trial_period_days", "application_fee_percent", "description", "trial_end",
    "trial_settings", "default_tax_rates",
}  # fmt: skip


def _rid(prefix: str, n: int = 24) -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(n))


def parse_form(text: str) -> dict:
    """Stripe's form encoding (`a[b][0][c]=v`, `a[]=v`) as nested dicts and lists."""
    root: dict = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        node, path = root, key.replace("]", "").split("[")
        for i, part in enumerate(path):
            last = i == len(path) - 1
            if part == "" and not last:
                part = str(len(node))
            if last:
                if part == "":
                    node[str(len(node))] = value
                else:
                    node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_lists(node[k]) for k in sorted(node, key=int)]
    return {k: _lists(v) for k, v in node.items()}


def flatten(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """The reverse of `parse_form`: pairs for a query string."""
    pairs: list[tuple[str, str]] = []
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict | list):
            pairs.extend(flatten(value, name))
        elif value is not None:
            pairs.append((name, str(value).lower() if isinstance(value, bool) else str(value)))
    return pairs


def _typed(key: str, value: Any) -> Any:
    """A form value as the JSON Stripe would answer (bools, numbers for numeric fields)."""
    if isinstance(value, dict):
        return {k: _typed(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(key, v) for v in value]
    if value in ("true", "false"):
        return value == "true"
    if isinstance(value, str) and NUMERIC.search(key):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    return value


def _int(value: Any, param: str, *, minimum: int = 0) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise StripeError(400, f"Invalid integer: {value}", param=param) from None
    if number < minimum:
        raise StripeError(400, f"This value must be greater than or equal to {minimum}.", param)
    return number


def add_interval(ts: int, interval: str, count: int = 1) -> int:
    start = datetime.fromtimestamp(ts, UTC)
    step = {
        "day": relativedelta(days=count),
        "week": relativedelta(weeks=count),
        "month": relativedelta(months=count),
        "year": relativedelta(years=count),
    }[interval]
    return int((start + step).timestamp())


def _diff(before: dict, after: dict) -> dict:
    return {k: before.get(k) for k in set(before) | set(after) if before.get(k) != after.get(k)}


class StripeError(Exception):
    """An answer in Stripe's error shape."""

    def __init__(self, status: int, message: str, param: str | None = None, *, code=None,
                 kind: str = "invalid_request_error", body: dict | None = None):  # fmt: skip
        super().__init__(message)
        self.status = status
        error = {"type": kind, "message": message}
        if param is not None:
            error["param"] = param
        if code is not None:
            error["code"] = code
        self.body = body or {"error": error}


def missing(noun: str, obj_id: str, param: str = "id") -> StripeError:
    return StripeError(404, f"No such {noun}: '{obj_id}'", param, code="resource_missing")


class Page:
    """An HTML (or redirect) answer of the edge."""

    def __init__(self, body: str = "", status: int = 200, location: str | None = None):
        self.body, self.status, self.location = body, status, location


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body><main>"
        f"<h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:.2f} {currency.upper()}"


def _day(ts: int | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d") if ts else ""


class LocalStripe:
    """localstripe plus the edge. `start()` runs both; `close()` stops both.

    Attributes: `url` (the edge: API, Connect and pages), `backend_url` (localstripe),
    `connect_secret` (signs events), `events` (queued, each a dict with `payload`,
    `signature`, `event`), `target_url` (set: events are POSTed there too), `deliveries`
    (one dict per POST: event id, type, status or error), `held` (events waiting to be
    POSTed while `hold()` is on).
    """

    def __init__(self) -> None:
        self.connect_secret = _rid("whsec_", 32)
        self.target_url: str | None = None
        self.events: list[dict] = []
        self.deliveries: list[dict] = []
        self._lock = threading.RLock()
        self._outbox: queue.Queue = queue.Queue()
        self._flowing = threading.Event()  # cleared by `hold()`: the sender waits
        self._flowing.set()
        self._reset()

    def _reset(self) -> None:
        self.owner: dict[str, str | None] = {}  # object id -> connected account
        self.overlay: dict[str, dict] = {}  # object id -> fields localstripe cannot keep
        self.accounts: dict[str, dict] = {}
        self.deauthorized: set[str] = set()
        self.codes: dict[str, dict] = {}
        self.prices: dict[str, dict] = {}
        self.sessions: dict[str, dict] = {}
        self.portals: dict[str, dict] = {}
        self.promotions: dict[str, dict] = {}
        self.clocks: dict[str, dict] = {}
        self.subs: dict[str, dict] = {}  # subscription id -> the edge's state of it
        self.cards: dict[str, str] = {}  # customer id -> number of the default card
        self._idempotent: dict[tuple, tuple[int, dict]] = {}
        self._invoice_numbers: dict[str, int] = {}

    # Lifecycle

    def start(self) -> "LocalStripe":
        port = free_port()
        self.backend_url = f"http://127.0.0.1:{port}"
        self._log = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.localstripe_run", "--port", str(port)],
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._backend = httpx.Client(
            base_url=self.backend_url, headers={"Authorization": "Bearer sk_test_edge"}, timeout=10
        )
        self._wait_for_backend()
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler())
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self._sender = threading.Thread(target=self._deliver_loop, daemon=True)
        self._sender.start()
        return self

    def _wait_for_backend(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self._log.seek(0)
                raise RuntimeError(f"localstripe exited: {self._log.read().decode()[-2000:]}")
            try:
                if self._backend.get("/v1/customers", params={"limit": 1}).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("localstripe did not answer within 20 s")

    def close(self) -> None:
        self._flowing.set()
        self._outbox.put(None)
        self._httpd.shutdown()
        self._httpd.server_close()
        self._proc.terminate()
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(5)
        self._backend.close()
        self._log.close()

    def flush(self) -> None:
        """Forget everything: localstripe's store and the edge's own state and events."""
        with self._lock:
            self._backend.delete("/_config/data").raise_for_status()
            self._reset()
            self.events = []
            self.target_url = None
        self.release()

    # Events

    def sign(self, payload: str | bytes, secret: str | None = None, timestamp=None) -> str:
        """A `Stripe-Signature` header for `payload`, as Stripe computes it."""
        ts = int(time.time()) if timestamp is None else int(timestamp)
        body = payload.encode() if isinstance(payload, str) else payload
        key = (secret or self.connect_secret).encode()
        mac = hmac.new(key, f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
        return f"t={ts},v1={mac}"

    def take_events(self) -> list[dict]:
        with self._lock:
            taken, self.events = self.events, []
            return taken

    def event_types(self) -> list[str]:
        return [e["event"]["type"] for e in self.events]

    def hold(self) -> None:
        """Keep the events for `target_url` back (still queued, in order) until `release()`:
        what the app shows before Stripe's webhook arrives."""
        self._flowing.clear()

    def release(self) -> None:
        """POST what `hold()` kept back, and whatever comes after, as usual."""
        self._flowing.set()

    @property
    def held(self) -> int:
        """How many events wait to be POSTed (0 when delivery is not held)."""
        return 0 if self._flowing.is_set() else self._outbox.unfinished_tasks

    def wait_delivered(self, timeout: float = 10) -> bool:
        """Wait until every queued event was POSTed to `target_url` (or failed); False if
        some were still waiting after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self._outbox.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self._outbox.unfinished_tasks

    def _emit(self, kind: str, obj: dict, account: str | None, previous=None, request=None):
        event = {
            "id": _rid("evt_"),
            "object": "event",
            "account": account,
            "api_version": stripe.api_version,
            "created": int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": request or {"id": None, "idempotency_key": None},
            "type": kind,
        }
        if previous:
            event["data"]["previous_attributes"] = previous
        payload = json.dumps(event, indent=2)
        queued = {"payload": payload, "signature": self.sign(payload), "event": event}
        self.events.append(queued)
        if self.target_url:
            self._outbox.put((self.target_url, queued))

    def _deliver_loop(self) -> None:
        with httpx.Client(timeout=10) as client:
            while True:
                job = self._outbox.get()
                if job is None:
                    self._outbox.task_done()
                    return
                self._flowing.wait()
                url, queued = job
                record = {"event": queued["event"]["id"], "type": queued["event"]["type"]}
                headers = {
                    "Content-Type": "application/json; charset=utf-8",
                    "Stripe-Signature": queued["signature"],
                    "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                    "Accept": "*/*; q=0.5, application/xml",
                    "Cache-Control": "no-cache",
                }
                try:
                    answer = client.post(url, content=queued["payload"], headers=headers)
                    record["status"] = answer.status_code
                except httpx.HTTPError as exc:
                    record["error"] = repr(exc)
                self.deliveries.append(record)
                self._outbox.task_done()

    # localstripe

    def _ls(self, method: str, path: str, data: dict | None = None) -> dict:
        if method == "GET":
            answer = self._backend.get(path, params=flatten(data or {}))
        else:
            answer = self._backend.request(method, path, json=data or None)
        try:
            body = answer.json()
        except ValueError:
            body = None
        if answer.status_code >= 400:
            if answer.status_code == 404 and not isinstance(body, dict):
                raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")
            if isinstance(body, dict) and "error" in body:
                status = answer.status_code
                if status == 404:
                    raise missing(path.split("/")[2].rstrip("s"), path.rsplit("/", 1)[-1])
                if status == 402:
                    body["error"]["type"] = "card_error"
                raise StripeError(status, body["error"].get("message", ""), body=body)
            raise StripeError(500, f"localstripe answered {answer.status_code}", kind="api_error")
        return body

    def _split(self, params: dict, allowed: set[str]) -> tuple[dict, dict]:
        kept = {k: v for k, v in params.items() if k in allowed}
        rest = {k: _typed(k, v) for k, v in params.items() if k not in allowed}
        return kept, rest

    # Ownership and decoration

    def _owner_of(self, obj: dict) -> str | None:
        obj_id = obj.get("id")
        if obj_id in self.owner:
            return self.owner[obj_id]
        for link in ("customer", "subscription"):
            linked = obj.get(link)
            linked = linked.get("id") if isinstance(linked, dict) else linked
            if isinstance(linked, str) and linked in self.owner:
                if obj_id:
                    self.owner[obj_id] = self.owner[linked]
                return self.owner[linked]
        return None

    def _check(self, obj: dict, account: str | None, noun: str) -> dict:
        if self._owner_of(obj) != account:
            raise missing(noun, obj.get("id", ""))
        return obj

    def _decorate(self, obj: Any) -> Any:
        if not isinstance(obj, dict):
            return obj
        kind = obj.get("object")
        if kind == "list":
            return {**obj, "data": [self._decorate(o) for o in obj.get("data", [])]}
        obj = dict(obj)
        if kind == "subscription":
            obj = self._decorate_sub(obj)
        elif kind == "customer":
            obj.setdefault("balance", -int(obj.get("account_balance") or 0))
            obj.setdefault("test_clock", None)
            obj.setdefault("tax_exempt", "none")
            obj.setdefault("invoice_prefix", obj["id"][-8:].upper())
        elif kind == "invoice":
            obj = self._decorate_invoice(obj)
        elif kind == "product":
            obj.setdefault("images", [])
            obj.setdefault("features", [])
            obj.setdefault("marketing_features", [])
            obj.setdefault("updated", obj.get("created"))
            obj.setdefault("default_price", None)
        elif kind == "coupon":
            obj.setdefault("name", None)
        return _merge(obj, self.overlay.get(obj.get("id"), {}))

    def _decorate_invoice(self, obj: dict) -> dict:
        if obj.get("status") != "draft" and obj["id"] not in self.overlay.get("_numbers", {}):
            prefix = obj["customer"][-8:].upper()
            self._invoice_numbers[prefix] = self._invoice_numbers.get(prefix, 0) + 1
            numbers = self.overlay.setdefault("_numbers", {})
            numbers[obj["id"]] = f"{prefix}-{self._invoice_numbers[prefix]:04d}"
        obj["number"] = self.overlay.get("_numbers", {}).get(obj["id"])
        obj["paid"] = obj.get("status") == "paid"
        obj.setdefault("amount_remaining", obj.get("amount_due", 0) - obj.get("amount_paid", 0))
        for key in ("amount_shipping", "post_payment_credit_notes_amount"):
            obj.setdefault(key, 0)
        obj.setdefault("pre_payment_credit_notes_amount", 0)
        obj.setdefault("paid_out_of_band", False)
        obj.setdefault("automatic_tax", {"enabled": False, "liability": None, "status": None})
        obj.setdefault("payment_settings", {"payment_method_types": None})
        obj.setdefault("default_tax_rates", [])
        obj.setdefault("billing_reason", "subscription_create" if obj.get("subscription") else None)
        return obj

    def _price_for_plan(self, plan: dict) -> dict:
        if plan.get("id") in self.prices:
            return self.prices[plan["id"]]
        return {
            "id": plan.get("id"), "object": "price", "active": plan.get("active", True),
            "currency": plan.get("currency"), "unit_amount": plan.get("amount"),
            "product": plan.get("product"), "type": "recurring",
            "recurring": {"interval": plan.get("interval"), "interval_count": 1},
        }  # fmt: skip

    def _decorate_sub(self, obj: dict) -> dict:
        st = self.subs.get(obj["id"])
        items = dict(obj.get("items") or {})
        data = []
        for raw in items.get("data", []):
            item = dict(raw)
            item["price"] = self._price_for_plan(item.get("plan") or {})
            item["subscription"] = obj["id"]
            item.setdefault("discounts", [])
            item.setdefault("billing_thresholds", None)
            if st:
                item["current_period_start"] = st["period_start"]
                item["current_period_end"] = st["period_end"]
            data.append(item)
        url = f"/v1/subscription_items?subscription={obj['id']}"
        obj["items"] = {**items, "object": "list", "data": data, "has_more": False, "url": url}
        price = data[0]["price"] if data else {}
        defaults = {
            "application": None,
            "application_fee_percent": None,
            "automatic_tax": {"enabled": False, "disabled_reason": None, "liability": None},
            "billing_cycle_anchor_config": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "collection_method": "charge_automatically",
            "currency": price.get("currency"),
            "days_until_due": None,
            "default_payment_method": None,
            "default_source": None,
            "description": None,
            "discounts": [],
            "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
            "on_behalf_of": None,
            "pause_collection": None,
            "payment_settings": None,
            "pending_setup_intent": None,
            "pending_update": None,
            "schedule": None,
            "test_clock": None,
            "transfer_data": None,
            "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        }
        for key, value in defaults.items():
            if obj.get(key) is None:
                obj[key] = value
        if st:
            for key in (
                "status", "start_date", "billing_cycle_anchor", "trial_start", "trial_end",
                "ended_at", "canceled_at", "cancel_at", "latest_invoice", "discount",
                "discounts", "test_clock", "cancellation_details",
            ):  # fmt: skip
                obj[key] = st[key]
            obj["current_period_start"] = st["period_start"]
            obj["current_period_end"] = st["period_end"]
        return obj

    # Retrieval by id, any kind

    def _retrieve(self, res: str, obj_id: str, account: str | None) -> dict:
        noun = res.split("/")[-1].rstrip("s").replace("sessions", "session")
        native = {
            "prices": self.prices,
            "promotion_codes": self.promotions,
            "checkout/sessions": self.sessions,
            "billing_portal/sessions": self.portals,
            "test_helpers/test_clocks": self.clocks,
        }.get(res)
        if res == "accounts":
            if obj_id not in self.accounts or account not in (None, obj_id):
                raise missing("account", obj_id)
            return json.loads(json.dumps(self.accounts[obj_id]))
        if native is not None:
            if obj_id not in native:
                raise missing(noun, obj_id)
            obj = json.loads(json.dumps(native[obj_id]))
            if res == "promotion_codes":
                coupon = self._retrieve("coupons", obj["promotion"]["coupon"], account)
                obj["coupon"] = coupon
            return self._check(obj, account, noun)
        obj = self._decorate(self._ls("GET", f"/v1/{res}/{obj_id}"))
        return self._check(obj, account, noun)

    def _expand(self, obj: Any, paths: list[str], account: str | None) -> Any:
        for path in paths:
            self._expand_one(obj, path.split("."), account)
        return obj

    def _expand_one(self, obj: Any, parts: list[str], account: str | None) -> None:
        if isinstance(obj, list):
            for item in obj:
                self._expand_one(item, parts, account)
            return
        if not isinstance(obj, dict) or not parts:
            return
        key, rest = parts[0], parts[1:]
        value = obj.get(key)
        if isinstance(value, str):
            res = next((r for p, r in PREFIXES.items() if value.startswith(p)), None)
            if res is None and key == "coupon":
                res = "coupons"
            if res:
                obj[key] = value = self._retrieve(res, value, account)
        self._expand_one(value, rest, account)

    # Lists

    def _paginate(self, items: list[dict], query: dict, url: str) -> dict:
        limit = _int(query.get("limit", 10), "limit", minimum=1)
        if limit > 100:
            raise StripeError(400, "This value must be less than or equal to 100.", "limit")
        ids = [o.get("id") for o in items]
        after, before = query.get("starting_after"), query.get("ending_before")
        if after:
            if after not in ids:
                raise missing("object", after, "starting_after")
            rest = items[ids.index(after) + 1 :]
            page, more = rest[:limit], len(rest) > limit
        elif before:
            if before not in ids:
                raise missing("object", before, "ending_before")
            rest = items[: ids.index(before)]
            page, more = rest[-limit:], len(rest) > limit
        else:
            page, more = items[:limit], len(items) > limit
        return {"object": "list", "data": page, "has_more": more, "url": url}

    def _filter(self, items: list[dict], query: dict) -> list[dict]:
        skip = {"limit", "starting_after", "ending_before", "expand"}
        for key, want in query.items():
            if key in skip:
                continue
            if isinstance(want, dict):
                ops = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}
                for op, bound in want.items():
                    items = [o for o in items if ops[op](int(o.get(key) or 0), int(bound))]
                continue
            if isinstance(want, list):
                items = [o for o in items if str(o.get(key)) in want]
                continue
            items = [o for o in items if _text(o.get(key)) == want]
        return items

    def _list(self, res: str, query: dict, account: str | None) -> dict:
        query = dict(query)
        if res == "prices":
            mine = [i for i in reversed(list(self.prices)) if self.owner.get(i) == account]
            items = [self._retrieve(res, i, account) for i in mine]
            if "lookup_keys" in query:
                keys = query.pop("lookup_keys")
                items = [p for p in items if p.get("lookup_key") in keys]
        elif res in ("promotion_codes", "checkout/sessions", "test_helpers/test_clocks"):
            store = {"promotion_codes": self.promotions, "checkout/sessions": self.sessions}.get(
                res, self.clocks
            )
            items = []
            for obj_id in reversed(list(store)):
                try:
                    items.append(self._retrieve(res, obj_id, account))
                except StripeError:
                    continue
            if "coupon" in query and res == "promotion_codes":
                coupon = query.pop("coupon")
                items = [p for p in items if p["promotion"]["coupon"] == coupon]
        else:
            forward: dict = {"limit": 1000000}
            if res == "subscriptions":
                forward["status"] = "all"
            if res == "payment_methods":
                forward.update({k: query.pop(k) for k in ("customer", "type") if k in query})
            raw = self._ls("GET", f"/v1/{res}", forward)["data"]
            items = [self._decorate(o) for o in reversed(raw)]
            items = [o for o in items if self._owner_of(o) == account]
            items.sort(key=lambda o: o.get("created") or 0, reverse=True)
            if res == "subscriptions":
                status = query.pop("status", None)
                if status is None:
                    items = [
                        s for s in items if s["status"] not in ("canceled", "incomplete_expired")
                    ]
                elif status == "ended":
                    items = [s for s in items if s["status"] in ("canceled", "incomplete_expired")]
                elif status != "all":
                    items = [s for s in items if s["status"] == status]
                if "price" in query:
                    price = query.pop("price")
                    items = [s for s in items if price in _item_prices(s)]
        items = self._filter(items, query)
        answer = self._paginate(items, query, f"/v1/{res}")
        return self._expand(answer, list(query.get("expand") or []), account)

    # The HTTP side

    def _handler(self):
        edge = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                status, headers, content = edge._dispatch(method, self.path, self.headers, body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def do_GET(self):  # noqa: N802 (http.server's name)
                self._serve("GET")

            def do_POST(self):  # noqa: N802
                self._serve("POST")

            def do_DELETE(self):  # noqa: N802
                self._serve("DELETE")

            def log_message(self, *args):
                pass

        return Handler

    def _dispatch(self, method: str, target: str, headers, body: str):
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        query = parse_form(parts.query)
        form = parse_form(body) if body else {}
        request_id = _rid("req_", 14)
        base = {"Request-Id": request_id, "Stripe-Version": stripe.api_version}
        with self._lock:
            try:
                if path.startswith("/v1/") or path in ("/oauth/token", "/oauth/deauthorize"):
                    self._authenticate(headers)
                account = headers.get("Stripe-Account") or None
                if path.startswith("/v1/") and account:
                    self._known_account(account, headers)
                key = headers.get("Idempotency-Key")
                if method == "POST" and key and (account, key) in self._idempotent:
                    status, answer = self._idempotent[(account, key)]
                    return (
                        status,
                        base | {"Idempotent-Replayed": "true"} | _json_type(),
                        _dumps(answer),
                    )
                request = {"id": request_id, "idempotency_key": key}
                answer = self._route(method, path, query, form, account, request)
                status = 200
            except StripeError as exc:
                status, answer = exc.status, exc.body
            if isinstance(answer, Page):
                out = base | {"Content-Type": "text/html; charset=utf-8"}
                if answer.location:
                    out["Location"] = answer.location
                return answer.status, out, answer.body.encode()
            if method == "POST" and headers.get("Idempotency-Key") and status < 500:
                self._idempotent[(account, headers["Idempotency-Key"])] = (status, answer)
            if status == 401:
                base["WWW-Authenticate"] = 'Bearer realm="Stripe"'
            return status, base | _json_type(), _dumps(answer)

    def _authenticate(self, headers) -> None:
        scheme, _, key = (headers.get("Authorization") or "").partition(" ")
        if scheme != "Bearer" or not key:
            raise StripeError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').",
            )
        if not key.startswith("sk_") or len(key) < 8:
            raise StripeError(401, f"Invalid API Key provided: {key[:8]}***")

    def _known_account(self, account: str, headers) -> None:
        if account not in self.accounts or account in self.deauthorized:
            key = (headers.get("Authorization") or "").partition(" ")[2]
            raise StripeError(
                403,
                f"The provided key '{key[:8]}***' does not have access to account "
                f"'{account}' (or that account does not exist). Application access may have "
                "been revoked.",
                code="account_invalid",
            )

    def _route(self, method, path, query, form, account, request):
        for verb, pattern, handler in self._routes():
            if verb == method and (match := re.fullmatch(pattern, path)):
                return handler(query=query, form=form, account=account, request=request,
                               **match.groupdict())  # fmt: skip
        if path.startswith("/v1/"):
            return self._proxy(method, path, query, form, account, request)
        raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")

    def _routes(self):
        obj = r"(?P<obj_id>[A-Za-z0-9_]+)"
        return [
            ("GET", r"/oauth/authorize", self._oauth_page),
            ("POST", r"/oauth/authorize", self._oauth_decide),
            ("POST", r"/oauth/token", self._oauth_token),
            ("POST", r"/oauth/deauthorize", self._oauth_deauthorize),
            ("GET", r"/v1/account", self._account_self),
            ("GET", rf"/v1/accounts/{obj}", self._account_get),
            ("POST", r"/v1/prices", self._price_create),
            ("GET", r"/v1/prices", self._list_route("prices")),
            ("GET", rf"/v1/prices/{obj}", self._get_route("prices")),
            ("POST", rf"/v1/prices/{obj}", self._price_update),
            ("POST", r"/v1/promotion_codes", self._promotion_create),
            ("GET", r"/v1/promotion_codes", self._list_route("promotion_codes")),
            ("GET", rf"/v1/promotion_codes/{obj}", self._get_route("promotion_codes")),
            ("POST", rf"/v1/promotion_codes/{obj}", self._promotion_update),
            ("POST", r"/v1/coupons", self._coupon_create),
            ("POST", r"/v1/customers", self._customer_create),
            ("POST", r"/v1/products", self._product_create),
            ("POST", r"/v1/subscriptions", self._sub_create_route),
            ("GET", rf"/v1/subscriptions/{obj}", self._get_route("subscriptions")),
            ("POST", rf"/v1/subscriptions/{obj}", self._sub_update_route),
            ("DELETE", rf"/v1/subscriptions/{obj}", self._sub_delete_route),
            ("POST", r"/v1/checkout/sessions", self._checkout_create),
            ("GET", r"/v1/checkout/sessions", self._list_route("checkout/sessions")),
            ("GET", rf"/v1/checkout/sessions/{obj}", self._get_route("checkout/sessions")),
            ("GET", rf"/v1/checkout/sessions/{obj}/line_items", self._checkout_lines),
            ("POST", rf"/v1/checkout/sessions/{obj}/expire", self._checkout_expire),
            ("GET", rf"/pay/{obj}", self._pay_page),
            ("POST", rf"/pay/{obj}", self._pay_post),
            ("POST", r"/v1/billing_portal/sessions", self._portal_create),
            ("GET", rf"/portal/{obj}", self._portal_page),
            ("POST", rf"/portal/{obj}/(?P<action>cancel|renew|card)", self._portal_post),
            ("POST", r"/v1/test_helpers/test_clocks", self._clock_create),
            ("GET", r"/v1/test_helpers/test_clocks", self._list_route("test_helpers/test_clocks")),
            ("GET", rf"/v1/test_helpers/test_clocks/{obj}", self._get_route("test_helpers/test_clocks")),  # noqa: E501
            ("POST", rf"/v1/test_helpers/test_clocks/{obj}/advance", self._clock_advance),
            ("DELETE", rf"/v1/test_helpers/test_clocks/{obj}", self._clock_delete),
        ]  # fmt: skip

    def _get_route(self, res: str):
        def get(*, obj_id, query, account, **_):
            obj = self._retrieve(res, obj_id, account)
            return self._expand(obj, list(query.get("expand") or []), account)

        return get

    def _list_route(self, res: str):
        def listing(*, query, account, **_):
            return self._list(res, query, account)

        return listing

    def _proxy(self, method, path, query, form, account, request):
        segments = path.split("/")[2:]
        res = segments[0]
        if res in EDGE_RESOURCES:
            raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")
        if len(segments) == 1 and method == "GET":
            return self._list(res, query, account)
        if len(segments) >= 2:
            self._retrieve(res, segments[1], account)  # 404 for another account's object
        if method == "GET":
            expand = list(query.pop("expand", None) or [])
            answer = self._decorate(self._ls("GET", path, query))
            return self._expand(answer, expand, account)
        expand = list(form.pop("expand", None) or [])
        answer = self._ls(method, path, form)
        if len(segments) == 1 and method == "POST" and answer.get("id"):
            self.owner[answer["id"]] = account
        return self._expand(self._decorate(answer), expand, account)

    def _create_proxied(self, res, form, account, allowed, extra=None):
        expand = list(form.pop("expand", None) or [])
        kept, rest = self._split(form, allowed - {"expand"})
        answer = self._ls("POST", f"/v1/{res}", kept | (extra or {}))
        self.owner[answer["id"]] = account
        if rest:
            self.overlay[answer["id"]] = rest
        return self._expand(self._decorate(answer), expand, account)

    # Connect

    def add_account(self, email: str | None = None, **fields) -> str:
        """A connected Standard account, as OAuth would leave it; its id."""
        with self._lock:
            acct = _rid("acct_", 16)
            self.accounts[acct] = {
                "id": acct, "object": "account", "type": "standard",
                "business_profile": {"name": None, "url": None, "support_email": None},
                "business_type": None,
                "capabilities": {"card_payments": "active", "transfers": "active"},
                "charges_enabled": True, "controller": {"type": "account"}, "country": "US",
                "created": int(time.time()), "default_currency": "usd",
                "details_submitted": True, "email": email, "metadata": {},
                "payouts_enabled": True,
                "requirements": {"currently_due": [], "eventually_due": [], "past_due": [],
                                 "disabled_reason": None, "current_deadline": None},
                "settings": {"dashboard": {"display_name": None, "timezone": "Etc/UTC"}},
                "tos_acceptance": {"date": None},
            } | fields  # fmt: skip
            self.owner[acct] = acct
            return acct

    def account_update(self, account: str, **fields) -> dict:
        """Change an account (e.g. `charges_enabled=False`); queues `account.updated`."""
        with self._lock:
            before = dict(self.accounts[account])
            self.accounts[account].update(fields)
            after = self._retrieve("accounts", account, None)
            self._emit("account.updated", after, account, _diff(before, after))
            return after

    def oauth_code(self, email: str | None = None) -> str:
        """An authorization code, as the Connect button would send back."""
        with self._lock:
            code = _rid("ac_", 32)
            self.codes[code] = {"email": email, "used": False, "account": None}
            return code

    def _oauth_page(self, *, query, **_):
        problems = []
        if query.get("response_type") != "code":
            problems.append("response_type must be code")
        if not str(query.get("client_id", "")).startswith("ca_"):
            problems.append("client_id is missing or not a ca_ id")
        if not query.get("redirect_uri"):
            problems.append("redirect_uri is missing")
        if problems:
            body = "".join(f"<p class='error'>{html.escape(p)}</p>" for p in problems)
            return Page(_page("Invalid Connect request", body), status=400)
        email = (query.get("stripe_user") or {}).get("email") or ""
        hidden = {
            "state": query.get("state", ""), "redirect_uri": query["redirect_uri"],
            "scope": query.get("scope", "read_write"), "email": email,
        }  # fmt: skip
        fields = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(str(v))}">'
            for k, v in hidden.items()
        )
        body = (
            f"<p>Connect your Stripe account{' (' + html.escape(email) + ')' if email else ''}"
            f" to the platform <code>{html.escape(query['client_id'])}</code>"
            f" with access <code>{html.escape(hidden['scope'])}</code>.</p>"
            f'<form method="post" action="/oauth/authorize">{fields}'
            '<button id="connect" name="decision" value="connect">Connect</button> '
            '<button id="deny" name="decision" value="deny">Deny</button></form>'
        )
        return Page(_page("Connect with Stripe", body))

    def _oauth_decide(self, *, form, **_):
        target = form.get("redirect_uri", "")
        sep = "&" if "?" in target else "?"
        if form.get("decision") == "connect":
            code = self.oauth_code(email=form.get("email") or None)
            params = {"code": code, "scope": form.get("scope") or "read_write"}
        else:
            params = {
                "error": "access_denied",
                "error_description": "The user denied your request",
            }
        params["state"] = form.get("state", "")
        return Page(status=302, location=f"{target}{sep}{urlencode(params)}")

    def _oauth_token(self, *, form, **_):
        def refuse(error: str, description: str):
            body = {"error": error, "error_description": description}
            return StripeError(400, description, body=body)

        if form.get("grant_type") != "authorization_code":
            raise refuse("unsupported_grant_type", "Only authorization_code is supported here.")
        code = form.get("code", "")
        grant = self.codes.get(code)
        if grant is None:
            raise refuse("invalid_grant", f"Authorization code does not exist: {code}")
        if grant["used"]:
            raise refuse(
                "invalid_grant",
                "This authorization code has already been used. All tokens issued with this "
                "code have been revoked.",
            )
        grant["used"] = True
        acct = grant["account"] = self.add_account(email=grant["email"])
        return {
            "access_token": _rid("sk_test_", 40),
            "livemode": False,
            "refresh_token": _rid("rt_", 40),
            "token_type": "bearer",
            "stripe_publishable_key": _rid("pk_test_", 40),
            "stripe_user_id": acct,
            "scope": "read_write",
        }

    def _oauth_deauthorize(self, *, form, **_):
        acct = form.get("stripe_user_id", "")
        client_id = form.get("client_id", "")
        if acct not in self.accounts or acct in self.deauthorized:
            description = f"Stripe account {acct} is not connected to your application."
            body = {"error": "invalid_client", "error_description": description}
            raise StripeError(401, description, body=body)
        self.deauthorized.add(acct)
        application = {"id": client_id, "object": "application", "name": None}
        self._emit("account.application.deauthorized", application, acct)
        return {"stripe_user_id": acct}

    def _account_self(self, *, account, **_):
        if account is None:
            raise StripeError(400, "Pass the Stripe-Account header to read a connected account.")
        return self._retrieve("accounts", account, account)

    def _account_get(self, *, obj_id, account, **_):
        return self._retrieve("accounts", obj_id, account)

    # Products, customers, coupons

    def _product_create(self, *, form, account, **_):
        return self._create_proxied("products", form, account, PRODUCT_FIELDS)

    def _customer_create(self, *, form, account, **_):
        clock = form.get("test_clock")
        if clock:
            self._retrieve("test_helpers/test_clocks", clock, account)
        return self._create_proxied("customers", form, account, CUSTOMER_FIELDS)

    def _coupon_create(self, *, form, account, **_):
        form = dict(form)
        form.setdefault("id", _rid("", 8))
        if "percent_off" in form and "amount_off" in form:
            raise StripeError(400, "Pass only one of percent_off and amount_off.", "percent_off")
        if "amount_off" in form and not form.get("currency"):
            raise StripeError(400, "A currency is needed with amount_off.", "currency")
        form.setdefault("duration", "once")
        return self._create_proxied("coupons", form, account, COUPON_FIELDS)

    # Prices

    def _price_create(self, *, form, account, **_):
        product = form.get("product")
        if not product and (form.get("product_data") or {}).get("name"):
            product = self._product_create(form=dict(form["product_data"]), account=account)["id"]
        if not product:
            raise StripeError(400, "Missing required param: product.", "product")
        self._retrieve("products", product, account)
        currency = str(form.get("currency") or "").lower()
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise StripeError(400, "Missing required param: currency.", "currency")
        amount = _int(form.get("unit_amount"), "unit_amount")
        recurring = form.get("recurring") or None
        if recurring is not None:
            if recurring.get("interval") not in ("day", "week", "month", "year"):
                message = "Invalid recurring[interval]: must be one of day, week, month, or year"
                raise StripeError(400, message, "recurring[interval]")
            count = _int(recurring.get("interval_count", 1), "recurring[interval_count]", minimum=1)
            recurring = {
                "interval": recurring["interval"], "interval_count": count, "meter": None,
                "trial_period_days": None, "usage_type": "licensed",
            }  # fmt: skip
        lookup_key = form.get("lookup_key") or None
        if lookup_key:
            for other in self.prices.values():
                same = other["lookup_key"] == lookup_key and self.owner[other["id"]] == account
                if same and not _truthy(form.get("transfer_lookup_key")):
                    message = f"A price (`{other['id']}`) already uses that lookup key."
                    raise StripeError(400, message, "lookup_key")
                if same:
                    other["lookup_key"] = None
        price_id = _rid("price_", 24)
        active = form.get("active", "true") != "false"
        if recurring:
            plan = {"id": price_id, "amount": amount, "currency": currency, "product": product,
                    "interval": recurring["interval"], "interval_count": recurring["interval_count"],  # noqa: E501
                    "active": active}  # fmt: skip
            self._ls("POST", "/v1/plans", plan)
            self.owner[price_id] = account
        self.prices[price_id] = {
            "id": price_id, "object": "price", "active": active, "billing_scheme": "per_unit",
            "created": int(time.time()), "currency": currency, "custom_unit_amount": None,
            "livemode": False, "lookup_key": lookup_key, "metadata": dict(form.get("metadata") or {}),  # noqa: E501
            "nickname": form.get("nickname") or None, "product": product,
            "recurring": recurring, "tax_behavior": form.get("tax_behavior", "unspecified"),
            "tiers_mode": None, "transform_quantity": None,
            "type": "recurring" if recurring else "one_time", "unit_amount": amount,
            "unit_amount_decimal": str(amount),
        }  # fmt: skip
        self.owner[price_id] = account
        return self._retrieve("prices", price_id, account)

    def _price_update(self, *, obj_id, form, account, **_):
        self._retrieve("prices", obj_id, account)
        price = self.prices[obj_id]
        unknown = set(form) - {
            "active",
            "metadata",
            "nickname",
            "lookup_key",
            "tax_behavior",
            "expand",
        }
        if unknown:
            name = sorted(unknown)[0]
            raise StripeError(400, f"Received unknown parameter: {name}", name)
        if "active" in form:
            price["active"] = form["active"] != "false"
            if price["recurring"]:
                self._ls("POST", f"/v1/plans/{obj_id}", {"active": price["active"]})
        for key, value in (form.get("metadata") or {}).items():
            if value == "":
                price["metadata"].pop(key, None)
            else:
                price["metadata"][key] = value
        for key in ("nickname", "lookup_key", "tax_behavior"):
            if key in form:
                price[key] = form[key] or None
        return self._retrieve("prices", obj_id, account)

    def _price(self, price_id: str, account: str | None, param: str) -> dict:
        price = self.prices.get(price_id)
        if price is None or self.owner.get(price_id) != account:
            raise missing("price", price_id, param)
        return price

    # Promotion codes

    def _promotion_create(self, *, form, account, **_):
        coupon_id = form.get("coupon") or (form.get("promotion") or {}).get("coupon")
        if not coupon_id:
            raise StripeError(400, "Missing required param: promotion[coupon].", "promotion")
        coupon = self._retrieve("coupons", coupon_id, account)
        code = form.get("code") or _rid("", 8).upper()
        for other in self.promotions.values():
            if other["code"].lower() == code.lower() and other["active"]:
                if self.owner[other["id"]] == account:
                    raise StripeError(
                        400, "An active promotion code with that code already exists.", "code"
                    )
        promo_id = _rid("promo_", 24)
        max_redemptions = form.get("max_redemptions")
        expires_at = form.get("expires_at")
        self.promotions[promo_id] = {
            "id": promo_id, "object": "promotion_code", "active": form.get("active") != "false",
            "code": code, "created": int(time.time()), "customer": form.get("customer"),
            "expires_at": _int(expires_at, "expires_at") if expires_at else None,
            "livemode": False,
            "max_redemptions": _int(max_redemptions, "max_redemptions", minimum=1)
            if max_redemptions else None,
            "metadata": dict(form.get("metadata") or {}),
            "promotion": {"type": "coupon", "coupon": coupon["id"]},
            "restrictions": {"first_time_transaction": False, "minimum_amount": None,
                             "minimum_amount_currency": None, "currency_options": {}},
            "times_redeemed": 0,
        }  # fmt: skip
        self.owner[promo_id] = account
        return self._retrieve("promotion_codes", promo_id, account)

    def _promotion_update(self, *, obj_id, form, account, **_):
        self._retrieve("promotion_codes", obj_id, account)
        promo = self.promotions[obj_id]
        if "active" in form:
            promo["active"] = form["active"] != "false"
        promo["metadata"].update(form.get("metadata") or {})
        return self._retrieve("promotion_codes", obj_id, account)

    def _usable_promotion(self, promo_id: str, account, param: str) -> dict:
        promo = self.promotions.get(promo_id)
        if promo is None or self.owner.get(promo_id) != account:
            raise missing("promotion code", promo_id, param)
        full = self.promotions[promo_id]
        expired = full["expires_at"] is not None and full["expires_at"] <= time.time()
        spent = full["max_redemptions"] and full["times_redeemed"] >= full["max_redemptions"]
        if not full["active"] or expired or spent:
            raise StripeError(400, "This promotion code cannot be redeemed.", param,
                              code="promotion_code_invalid")  # fmt: skip
        return full

    def _discount(self, coupon_id: str, promo_id: str | None, account, customer, sub_id=None):
        coupon = self._retrieve("coupons", coupon_id, account)
        return {
            "id": _rid("di_", 24), "object": "discount", "checkout_session": None,
            "coupon": coupon, "customer": customer, "end": None, "invoice": None,
            "invoice_item": None, "promotion_code": promo_id,
            "source": {"type": "coupon", "coupon": coupon["id"]},
            "start": int(time.time()), "subscription": sub_id, "subscription_item": None,
        }  # fmt: skip

    def _discount_item(self, st: dict, customer: str, price: dict) -> None:
        discount = st.get("discount")
        if not discount:
            return
        coupon = discount["coupon"]
        uses = st["discount_uses"]
        if coupon["duration"] == "once" and uses >= 1:
            return
        if coupon["duration"] == "repeating" and uses >= int(coupon["duration_in_months"] or 0):
            return
        amount = int(price["unit_amount"]) * st["quantity"]
        off = coupon.get("amount_off")
        off = min(amount, int(off)) if off else round(amount * float(coupon["percent_off"]) / 100)
        if off:
            self._ls("POST", "/v1/invoiceitems", {
                "customer": customer, "amount": -off, "currency": price["currency"],
                "description": f"Discount ({coupon['id']})",
            })  # fmt: skip
        st["discount_uses"] = uses + 1

    # Subscriptions

    def _now_for(self, customer: str) -> int:
        clock = (self.overlay.get(customer) or {}).get("test_clock")
        if clock and clock in self.clocks:
            return int(self.clocks[clock]["frozen_time"])
        return int(time.time())

    def _sub_create(self, params: dict, account, request=None, temp_card: str | None = None):
        params = dict(params)
        expand = list(params.pop("expand", None) or [])
        customer = params.get("customer")
        if not customer:
            raise StripeError(400, "Missing required param: customer.", "customer")
        self._retrieve("customers", customer, account)
        items = params.get("items") or ([{"plan": params.pop("plan")}] if "plan" in params else [])
        if len(items) != 1:
            raise StripeError(400, "The local Stripe edge takes exactly one item.", "items")
        item = dict(items[0])
        price_id = item.pop("price", None) or item.get("plan")
        price = self._price(price_id, account, "items[0][price]")
        if not price["recurring"]:
            message = "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`."  # noqa: E501
            raise StripeError(400, message, "items[0][price]")
        if not price["active"]:
            raise StripeError(400, "The price specified is inactive.", "items[0][price]")
        item["plan"] = price_id
        params["items"] = [item]
        promo_id = params.pop("promotion_code", None)
        coupon_id = params.pop("coupon", None)
        for entry in params.pop("discounts", None) or []:
            coupon_id = entry.get("coupon") or coupon_id
            promo_id = entry.get("promotion_code") or promo_id
        if promo_id:
            coupon_id = self._usable_promotion(promo_id, account, "promotion_code")["promotion"][
                "coupon"
            ]
        kept, rest = self._split(params, SUB_CREATE - {"expand"})
        now = self._now_for(customer)
        trial_end = None
        if kept.get("trial_period_days") not in (None, ""):
            days = _int(kept["trial_period_days"], "trial_period_days", minimum=1)
            trial_end = now + days * 86400
        elif kept.get("trial_end") not in (None, "", "now"):
            trial_end = _int(kept.pop("trial_end"), "trial_end")
            kept["trial_period_days"] = max(1, (trial_end - now) // 86400)
        st = {
            "account": account, "customer": customer, "price": price_id,
            "quantity": _int(item.get("quantity", 1), "items[0][quantity]", minimum=1),
            "discount": None, "discount_uses": 0, "start_date": now,
            "billing_cycle_anchor": trial_end or now, "trial_start": now if trial_end else None,
            "trial_end": trial_end, "ended_at": None, "canceled_at": None, "cancel_at": None,
            "test_clock": (self.overlay.get(customer) or {}).get("test_clock"),
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "period_start": now,
            "period_end": trial_end or add_interval(now, price["recurring"]["interval"],
                                                    price["recurring"]["interval_count"]),
        }  # fmt: skip
        if coupon_id:
            st["discount"] = self._discount(coupon_id, promo_id, account, customer)
        if not trial_end:
            self._discount_item(st, customer, price)
        swap = None
        if temp_card:
            swap = self._set_card(customer, GOOD_CARD)
        try:
            obj = self._ls("POST", "/v1/subscriptions", kept)
        finally:
            if swap:
                self._set_card(customer, temp_card, detach=swap)
        sub_id = obj["id"]
        st["status"] = "trialing" if trial_end else obj["status"]
        st["latest_invoice"] = obj.get("latest_invoice")
        st["discounts"] = [st["discount"]["id"]] if st["discount"] else []
        if st["discount"]:
            st["discount"]["subscription"] = sub_id
        self.subs[sub_id] = st
        self.owner[sub_id] = account
        if rest:
            self.overlay[sub_id] = rest
        if promo_id:
            self.promotions[promo_id]["times_redeemed"] += 1
        if obj.get("latest_invoice"):
            self.overlay.setdefault(obj["latest_invoice"], {}).update(
                {"period_start": now, "period_end": now, "created": now}
            )
        sub = self._retrieve("subscriptions", sub_id, account)
        self._emit("customer.subscription.created", sub, account, request=request)
        return self._expand(sub, expand, account)

    def _sub_create_route(self, *, form, account, request, **_):
        return self._sub_create(form, account, request)

    def _sub_update(self, sub_id: str, params: dict, account, request=None) -> dict:
        before = self._retrieve("subscriptions", sub_id, account)
        st = self.subs.get(sub_id)
        params = dict(params)
        expand = list(params.pop("expand", None) or [])
        if params.get("items"):
            items = [dict(i) for i in params["items"]]
            for i, item in enumerate(items):
                if "price" in item:
                    item["plan"] = self._price(item.pop("price"), account, f"items[{i}][price]")[
                        "id"
                    ]
            params["items"] = items
        kept, rest = self._split(params, SUB_UPDATE - {"expand"})
        if kept:
            self._ls("POST", f"/v1/subscriptions/{sub_id}", kept)
        if rest:
            self.overlay[sub_id] = _merge(self.overlay.get(sub_id, {}), rest)
        if st and "cancel_at_period_end" in kept:
            cancel = _truthy(kept["cancel_at_period_end"])
            st["cancel_at"] = st["period_end"] if cancel else None
            st["canceled_at"] = self._now_for(st["customer"]) if cancel else None
            reason = "cancellation_requested" if cancel else None
            st["cancellation_details"] = {"comment": None, "feedback": None, "reason": reason}
        if st and items_changed(kept):
            st["price"] = kept["items"][0]["plan"]
        after = self._retrieve("subscriptions", sub_id, account)
        previous = _diff(before, after)
        if previous:
            self._emit("customer.subscription.updated", after, account, previous, request)
        return self._expand(after, expand, account)

    def _sub_update_route(self, *, obj_id, form, account, request, **_):
        return self._sub_update(obj_id, form, account, request)

    def _sub_end(self, sub_id: str, account, at: int, request=None, reason=None) -> dict:
        st = self.subs.get(sub_id)
        self._ls("DELETE", f"/v1/subscriptions/{sub_id}")
        if st:
            st.update(status="canceled", ended_at=at, canceled_at=st["canceled_at"] or at)
            if reason:
                st["cancellation_details"] = {"comment": None, "feedback": None, "reason": reason}
        sub = self._retrieve("subscriptions", sub_id, account)
        self._emit("customer.subscription.deleted", sub, account, request=request)
        return sub

    def _sub_delete_route(self, *, obj_id, account, request, **_):
        sub = self._retrieve("subscriptions", obj_id, account)
        if sub["status"] == "canceled":
            raise StripeError(400, f"No such subscription: '{obj_id}' (already canceled)", "id")
        return self._sub_end(obj_id, account, self._now_for(sub["customer"]), request,
                             "cancellation_requested")  # fmt: skip

    def _settle(self, sub_id: str, to: int) -> None:
        """Move the subscription to `to`: end it, renew it, or fail to renew it."""
        st = self.subs[sub_id]
        account, customer = st["account"], st["customer"]
        for _ in range(400):
            if st["status"] in ("canceled", "incomplete", "incomplete_expired"):
                return
            if st["cancel_at"] and st["cancel_at"] <= to:
                self._sub_end(sub_id, account, st["cancel_at"])
                return
            if st["period_end"] > to:
                return
            before = self._retrieve("subscriptions", sub_id, account)
            price = self.prices[st["price"]]
            start = st["period_end"]
            end = add_interval(
                start, price["recurring"]["interval"], price["recurring"]["interval_count"]
            )
            self._discount_item(st, customer, price)
            invoice = self._ls(
                "POST", "/v1/invoices", {"customer": customer, "subscription": sub_id}
            )
            try:
                invoice = self._ls("POST", f"/v1/invoices/{invoice['id']}/pay")
            except StripeError:
                invoice = self._ls("GET", f"/v1/invoices/{invoice['id']}")
            self.overlay.setdefault(invoice["id"], {}).update({
                "period_start": start, "period_end": end, "created": start,
                "billing_reason": "subscription_cycle",
            })  # fmt: skip
            paid = invoice["status"] == "paid"
            st.update(period_start=start, period_end=end, latest_invoice=invoice["id"],
                      status="active" if paid else "past_due")  # fmt: skip
            invoice = self._retrieve("invoices", invoice["id"], account)
            self._emit("invoice.paid" if paid else "invoice.payment_failed", invoice, account)
            after = self._retrieve("subscriptions", sub_id, account)
            self._emit("customer.subscription.updated", after, account, _diff(before, after))

    def advance(self, account: str | None = None, to: int | None = None) -> None:
        """Settle every subscription (of `account`) as if the time were `to`."""
        with self._lock:
            to = int(time.time()) if to is None else int(to)
            for sub_id, st in list(self.subs.items()):
                if account is None or st["account"] == account:
                    self._settle(sub_id, to)

    # Cards

    def _set_card(self, customer: str, number: str, detach: str | None = None) -> str:
        """Attach a new card to the customer as its default; its payment method id."""
        card = {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}
        pm = self._ls("POST", "/v1/payment_methods", {"type": "card", "card": card})
        self._ls("POST", f"/v1/payment_methods/{pm['id']}/attach", {"customer": customer})
        self._ls("POST", f"/v1/customers/{customer}",
                 {"invoice_settings": {"default_payment_method": pm["id"]}})  # fmt: skip
        self.cards[customer] = number
        if detach:
            self._ls("POST", f"/v1/payment_methods/{detach}/detach")
        return pm["id"]

    # Checkout

    def _checkout_create(self, *, form, account, **_):
        unknown = sorted(set(form) - CHECKOUT_PARAMS)
        if unknown:
            raise StripeError(400, f"Received unknown parameter: {unknown[0]}", unknown[0])
        if form.get("mode") != "subscription":
            raise StripeError(400, "The local Stripe edge supports mode=subscription only.", "mode")
        if not form.get("success_url"):
            raise StripeError(400, "Missing required param: success_url.", "success_url")
        lines = form.get("line_items") or []
        if len(lines) != 1:
            raise StripeError(400, "Pass exactly one line item.", "line_items")
        line = lines[0]
        price = self._price(line.get("price", ""), account, "line_items[0][price]")
        if not price["active"]:
            raise StripeError(400, "The price specified is inactive. This field only accepts "
                              "active prices.", "line_items[0][price]")  # fmt: skip
        if not price["recurring"]:
            raise StripeError(400, "You must specify at least one recurring price in "
                              "`subscription` mode.", "line_items[0][price]")  # fmt: skip
        if "quantity" not in line:
            raise StripeError(400, "Quantity is required. Add `quantity` to `line_items[0]`",
                              "line_items[0][quantity]")  # fmt: skip
        quantity = _int(line["quantity"], "line_items[0][quantity]", minimum=1)
        customer = form.get("customer")
        if customer and form.get("customer_email"):
            raise StripeError(400, "You may only specify one of these parameters: customer, "
                              "customer_email.", "customer_email")  # fmt: skip
        if customer:
            self._retrieve("customers", customer, account)
        data = form.get("subscription_data") or {}
        unknown = sorted(set(data) - SUBSCRIPTION_DATA)
        if unknown:
            raise StripeError(400, f"Received unknown parameter: subscription_data[{unknown[0]}]",
                              f"subscription_data[{unknown[0]}]")  # fmt: skip
        trial_days = data.get("trial_period_days")
        if trial_days not in (None, ""):
            _int(trial_days, "subscription_data[trial_period_days]", minimum=1)
        fee = data.get("application_fee_percent")
        if fee not in (None, "") and not 0 <= float(fee) <= 100:
            raise StripeError(400, "application_fee_percent must be between 0 and 100.",
                              "subscription_data[application_fee_percent]")  # fmt: skip
        discounts = form.get("discounts") or []
        if discounts and form.get("allow_promotion_codes") not in (None, "false"):
            raise StripeError(400, "You may only specify one of these parameters: "
                              "allow_promotion_codes, discounts.", "discounts")  # fmt: skip
        session_discounts = []
        for i, entry in enumerate(discounts[:1]):
            if entry.get("promotion_code"):
                promo = self._usable_promotion(entry["promotion_code"], account,
                                               f"discounts[{i}][promotion_code]")  # fmt: skip
                session_discounts.append({"coupon": None, "promotion_code": promo["id"]})
            elif entry.get("coupon"):
                try:
                    self._retrieve("coupons", entry["coupon"], account)
                except StripeError:
                    raise missing("coupon", entry["coupon"], f"discounts[{i}][coupon]") from None
                session_discounts.append({"coupon": entry["coupon"], "promotion_code": None})
        subtotal = int(price["unit_amount"]) * quantity
        total = 0 if trial_days else subtotal - self._preview_off(session_discounts, subtotal)
        session_id = _rid("cs_test_", 58)
        created = int(time.time())
        auto_tax = _truthy((form.get("automatic_tax") or {}).get("enabled"))
        self.sessions[session_id] = {
            "id": session_id, "object": "checkout.session",
            "adaptive_pricing": {"enabled": False}, "after_expiration": None,
            "allow_promotion_codes": _truthy(form["allow_promotion_codes"])
            if "allow_promotion_codes" in form else None,
            "amount_subtotal": subtotal, "amount_total": total,
            "automatic_tax": {"enabled": auto_tax, "liability": {"type": "self"} if auto_tax
                              else None, "provider": None, "status": None},
            "billing_address_collection": form.get("billing_address_collection"),
            "cancel_url": form.get("cancel_url"),
            "client_reference_id": form.get("client_reference_id"), "client_secret": None,
            "collected_information": None, "consent": None, "consent_collection": None,
            "created": created, "currency": price["currency"], "currency_conversion": None,
            "custom_fields": [],
            "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                            "terms_of_service_acceptance": None},
            "customer": customer, "customer_creation": None if customer else "always",
            "customer_details": None, "customer_email": form.get("customer_email"),
            "discounts": session_discounts,
            "expires_at": _int(form["expires_at"], "expires_at") if form.get("expires_at")
            else created + 86400,
            "invoice": None, "invoice_creation": None, "livemode": False,
            "locale": form.get("locale"), "metadata": dict(form.get("metadata") or {}),
            "mode": "subscription", "origin_context": None, "payment_intent": None,
            "payment_link": None, "payment_method_collection": "always",
            "payment_method_configuration_details": None, "payment_method_options": {},
            "payment_method_types": list(form.get("payment_method_types") or ["card"]),
            "payment_status": "unpaid", "permissions": None,
            "phone_number_collection": {"enabled": False}, "recovered_from": None,
            "saved_payment_method_options": None, "setup_intent": None,
            "shipping_address_collection": None, "shipping_cost": None,
            "shipping_options": [], "status": "open", "submit_type": None,
            "subscription": None, "success_url": form["success_url"],
            "total_details": {"amount_discount": subtotal - total if not trial_days else 0,
                              "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted", "url": f"{self.url}/pay/{session_id}", "wallet_options": None,
        }  # fmt: skip
        self.overlay["_session_" + session_id] = {
            "price": price["id"], "quantity": quantity, "subscription_data": data,
            "automatic_tax": auto_tax,
        }  # fmt: skip
        self.owner[session_id] = account
        return self._expand(self._retrieve("checkout/sessions", session_id, account),
                            list(form.get("expand") or []), account)  # fmt: skip

    def _preview_off(self, discounts: list[dict], amount: int) -> int:
        if not discounts:
            return 0
        entry = discounts[0]
        coupon_id = (
            entry["coupon"] or self.promotions[entry["promotion_code"]]["promotion"]["coupon"]
        )
        coupon = self._ls("GET", f"/v1/coupons/{coupon_id}")
        if coupon.get("amount_off"):
            return min(amount, int(coupon["amount_off"]))
        return round(amount * float(coupon["percent_off"]) / 100)

    def _checkout_lines(self, *, obj_id, query, account, **_):
        session = self._retrieve("checkout/sessions", obj_id, account)
        extra = self.overlay["_session_" + obj_id]
        price = self.prices[extra["price"]]
        line = {
            "id": "li_" + obj_id[8:32], "object": "item",
            "amount_discount": session["total_details"]["amount_discount"],
            "amount_subtotal": session["amount_subtotal"], "amount_tax": 0,
            "amount_total": session["amount_subtotal"] - session["total_details"]["amount_discount"],  # noqa: E501
            "currency": price["currency"], "description": self._product_name(price),
            "price": price, "quantity": extra["quantity"],
        }  # fmt: skip
        return self._paginate([line], query, f"/v1/checkout/sessions/{obj_id}/line_items")

    def _checkout_expire(self, *, obj_id, account, request, **_):
        self._retrieve("checkout/sessions", obj_id, account)
        session = self.sessions[obj_id]
        if session["status"] != "open":
            raise StripeError(400, "Only Checkout Sessions with a status of open can be expired.")
        session["status"] = "expired"
        obj = self._retrieve("checkout/sessions", obj_id, account)
        self._emit("checkout.session.expired", obj, account, request=request)
        return obj

    def _product_name(self, price: dict) -> str:
        return self._ls("GET", f"/v1/products/{price['product']}").get("name") or ""

    def checkout_pay(self, session_id: str, card: str = GOOD_CARD, email: str | None = None,
                     promotion_code: str | None = None) -> dict:  # fmt: skip
        """Complete the session as its payment page would; the completed session. A declined
        card raises `StripeError` (402) and creates nothing."""
        with self._lock:
            return self._checkout_complete(session_id, card, email, promotion_code)

    def _checkout_complete(self, session_id, card, email, promotion_code):
        if session_id not in self.sessions:
            raise missing("checkout.session", session_id)
        session = self.sessions[session_id]
        account = self.owner[session_id]
        if session["status"] == "open" and session["expires_at"] <= time.time():
            session["status"] = "expired"
        if session["status"] != "open":
            raise StripeError(400, "This Checkout Session is no longer active.")
        card = re.sub(r"\D", "", card or "")
        if len(card) != 16:
            raise StripeError(402, "Your card number is incomplete.", kind="card_error",
                              code="incomplete_number")  # fmt: skip
        extra = self.overlay["_session_" + session_id]
        data = extra["subscription_data"]
        discounts = list(session["discounts"])
        if promotion_code:
            found = [p for p in self.promotions.values()
                     if p["code"].lower() == promotion_code.strip().lower()
                     and self.owner[p["id"]] == account]  # fmt: skip
            if not found or not session["allow_promotion_codes"]:
                raise StripeError(400, "This code is invalid.", "promotion_code")
            self._usable_promotion(found[0]["id"], account, "promotion_code")
            discounts = [{"coupon": None, "promotion_code": found[0]["id"]}]
        customer = session["customer"]
        created_customer = False
        if not customer:
            email = email or session["customer_email"]
            if not email:
                raise StripeError(400, "Enter your email.", "email")
            customer = self._ls("POST", "/v1/customers", {"email": email})["id"]
            self.owner[customer] = account
            created_customer = True
        try:
            first_charge_ok = card == FAILS_LATER_CARD and not data.get("trial_period_days")
            self._set_card(customer, GOOD_CARD if first_charge_ok else card)
            params = {
                "customer": customer,
                "items": [{"price": extra["price"], "quantity": extra["quantity"]}],
                "metadata": dict(data.get("metadata") or {}),
            }
            for key in ("trial_period_days", "application_fee_percent", "description"):
                if data.get(key) not in (None, ""):
                    params[key] = data[key]
            if extra["automatic_tax"]:
                params["automatic_tax"] = {"enabled": "true"}
            if discounts:
                params["discounts"] = [{k: v for k, v in discounts[0].items() if v}]
            sub = self._sub_create(params, account)
        except StripeError:
            if created_customer:
                self._ls("DELETE", f"/v1/customers/{customer}")
                self.owner.pop(customer, None)
            raise
        if first_charge_ok:
            self._set_card(customer, card)
        paid = not data.get("trial_period_days") and session["amount_total"] > 0
        cus = self._retrieve("customers", customer, account)
        session.update(
            status="complete", customer=customer, subscription=sub["id"],
            invoice=sub["latest_invoice"], discounts=discounts,
            payment_status="paid" if paid else "no_payment_required",
            customer_details={"address": None, "email": cus["email"], "name": cus.get("name"),
                              "phone": None, "tax_exempt": "none", "tax_ids": []},
        )  # fmt: skip
        obj = self._retrieve("checkout/sessions", session_id, account)
        self._emit("checkout.session.completed", obj, account)
        return obj

    def _pay_page(self, *, obj_id, error: str | None = None, **_):
        if obj_id not in self.sessions:
            return Page(_page("Not found", "<p>No such Checkout Session.</p>"), status=404)
        session = self.sessions[obj_id]
        if session["status"] != "open":
            body = f"<p id='status'>This Checkout Session is {session['status']}.</p>"
            return Page(_page("Checkout", body), status=410)
        extra = self.overlay["_session_" + obj_id]
        price = self.prices[extra["price"]]
        recurring = price["recurring"]
        trial = extra["subscription_data"].get("trial_period_days")
        lines = [
            f"<p id='product'>{html.escape(self._product_name(price))}</p>",
            f"<p id='price'>{_money(price['unit_amount'] * extra['quantity'], price['currency'])}"
            f" per {recurring['interval']}</p>",
            f"<p id='interval'>Billed every {recurring['interval']}</p>",
        ]
        if trial:
            lines.append(f"<p id='trial'>{int(trial)}-day free trial</p>")
        if session["amount_total"] != session["amount_subtotal"] and not trial:
            lines.append(
                f"<p id='total'>Due today: {_money(session['amount_total'], price['currency'])}</p>"
            )
        if error:
            lines.append(f"<p id='error' role='alert'>{html.escape(error)}</p>")
        fields = ""
        if not session["customer"]:
            value = html.escape(session["customer_email"] or "")
            fields += f"<p><label>Email <input type='email' name='email' value='{value}' required></label></p>"  # noqa: E501
        fields += (
            f"<p><label>Card number <input name='card' value='{GOOD_CARD}' "
            "inputmode='numeric' autocomplete='cc-number'></label></p>"
        )
        if session["allow_promotion_codes"]:
            fields += "<p><label>Promotion code <input name='promotion_code'></label></p>"
        cancel = session["cancel_url"]
        lines.append(
            f"<form method='post' action='/pay/{obj_id}'>{fields}"
            "<button id='pay' type='submit'>Subscribe</button></form>"
            + (f"<p><a id='cancel' href='{html.escape(cancel)}'>Cancel</a></p>" if cancel else "")
        )
        return Page(_page("Subscribe", "".join(lines)), status=402 if error else 200)

    def _pay_post(self, *, obj_id, form, **_):
        try:
            session = self._checkout_complete(
                obj_id, form.get("card", ""), form.get("email") or None,
                form.get("promotion_code") or None,
            )  # fmt: skip
        except StripeError as exc:
            if obj_id not in self.sessions:
                return Page(_page("Not found", "<p>No such Checkout Session.</p>"), status=404)
            return self._pay_page(obj_id=obj_id, error=str(exc))
        target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", obj_id)
        return Page(status=303, location=target)

    # Billing portal

    def _portal_create(self, *, form, account, **_):
        customer = form.get("customer")
        if not customer:
            raise StripeError(400, "Missing required param: customer.", "customer")
        self._retrieve("customers", customer, account)
        portal_id = _rid("bps_", 24)
        self.portals[portal_id] = {
            "id": portal_id, "object": "billing_portal.session",
            "configuration": form.get("configuration") or "bpc_" + (account or "platform")[5:],
            "created": int(time.time()), "customer": customer, "customer_account": None,
            "flow": None, "livemode": False, "locale": form.get("locale"),
            "on_behalf_of": None, "return_url": form.get("return_url"),
            "url": f"{self.url}/portal/{portal_id}",
        }  # fmt: skip
        self.owner[portal_id] = account
        return self._retrieve("billing_portal/sessions", portal_id, account)

    def _portal_subs(self, customer: str, account) -> list[dict]:
        return [
            self._retrieve("subscriptions", sub_id, account)
            for sub_id, st in reversed(list(self.subs.items()))
            if st["customer"] == customer
        ]

    def _portal_page(self, *, obj_id, error: str | None = None, **_):
        if obj_id not in self.portals:
            return Page(_page("Not found", "<p>No such portal session.</p>"), status=404)
        portal = self.portals[obj_id]
        account, customer = self.owner[obj_id], portal["customer"]
        parts = []
        if error:
            parts.append(f"<p id='error' role='alert'>{html.escape(error)}</p>")
        parts.append("<h2>Subscriptions</h2>")
        for sub in self._portal_subs(customer, account):
            price = sub["items"]["data"][0]["price"]
            sid = sub["id"]
            line = (
                f"<section class='subscription' id='{sid}'><p>"
                f"<span class='price'>{_money(price['unit_amount'], price['currency'])}</span>"
                f" per <span class='interval'>{price['recurring']['interval']}</span>,"
                f" <span class='status'>{sub['status']}</span>,"
                f" period ends <span class='period-end'>{_day(sub['current_period_end'])}</span>"
            )
            if sub["cancel_at_period_end"] and sub["status"] != "canceled":
                line += f" <span class='cancels'>cancels on {_day(sub['cancel_at'])}</span>"
            line += "</p>"
            if sub["status"] not in ("canceled", "incomplete_expired"):
                action, label = ("renew", "Renew subscription") if sub["cancel_at_period_end"] \
                    else ("cancel", "Cancel subscription")  # fmt: skip
                line += (
                    f"<form method='post' action='/portal/{obj_id}/{action}'>"
                    f"<input type='hidden' name='subscription' value='{sid}'>"
                    f"<button id='{action}-{sid}' class='{action}'>{label}</button></form>"
                )
            parts.append(line + "</section>")
        card = self.cards.get(customer, "")
        parts.append(
            "<h2>Payment method</h2>"
            f"<p id='card'>Card ending in {card[-4:] or 'none'}</p>"
            f"<form method='post' action='/portal/{obj_id}/card'>"
            "<label>Card number <input name='card' inputmode='numeric'></label> "
            "<button id='update-card'>Update card</button></form>"
        )
        invoices = self._list("invoices", {"customer": customer, "limit": 100}, account)["data"]
        rows = "".join(
            f"<tr><td>{html.escape(i['number'] or '')}</td>"
            f"<td>{_money(i['amount_due'], i['currency'])}</td><td>{i['status']}</td></tr>"
            for i in invoices
        )
        parts.append(f"<h2>Invoices</h2><table id='invoices'><tbody>{rows}</tbody></table>")
        if portal["return_url"]:
            parts.append(
                f"<p><a id='return' href='{html.escape(portal['return_url'])}'>Return</a></p>"
            )
        return Page(_page("Billing", "".join(parts)), status=402 if error else 200)

    def _portal_post(self, *, obj_id, action, form, **_):
        if obj_id not in self.portals:
            return Page(_page("Not found", "<p>No such portal session.</p>"), status=404)
        try:
            if action == "card":
                self._portal_card(obj_id, form.get("card", ""))
            else:
                self._portal_cancel(obj_id, form.get("subscription", ""), action == "cancel")
        except StripeError as exc:
            return self._portal_page(obj_id=obj_id, error=str(exc))
        return Page(status=303, location=f"/portal/{obj_id}")

    def _portal_cancel(self, portal_id: str, sub_id: str, cancel: bool) -> dict:
        portal = self.portals[portal_id]
        account = self.owner[portal_id]
        if self.subs.get(sub_id, {}).get("customer") != portal["customer"]:
            raise missing("subscription", sub_id)
        return self._sub_update(
            sub_id, {"cancel_at_period_end": "true" if cancel else "false"}, account
        )

    def _portal_card(self, portal_id: str, number: str) -> dict:
        account = self.owner[portal_id]
        customer = self.portals[portal_id]["customer"]
        number = re.sub(r"\D", "", number)
        if len(number) != 16:
            raise StripeError(402, "Your card number is incomplete.", kind="card_error")
        before = self._retrieve("customers", customer, account)
        self._set_card(customer, number)
        after = self._retrieve("customers", customer, account)
        self._emit("customer.updated", after, account, _diff(before, after))
        return after

    def _portal_for(self, customer: str) -> str:
        for portal_id, portal in self.portals.items():
            if portal["customer"] == customer:
                return portal_id
        account = self.owner[customer]
        return self._portal_create(form={"customer": customer}, account=account)["id"]

    def portal_cancel(self, subscription_id: str) -> dict:
        """Press "Cancel subscription" in the customer's portal; the subscription."""
        with self._lock:
            customer = self.subs[subscription_id]["customer"]
            return self._portal_cancel(self._portal_for(customer), subscription_id, True)

    def portal_renew(self, subscription_id: str) -> dict:
        """Press "Renew subscription" (undo a cancellation); the subscription."""
        with self._lock:
            customer = self.subs[subscription_id]["customer"]
            return self._portal_cancel(self._portal_for(customer), subscription_id, False)

    def portal_update_card(self, customer: str, card: str) -> dict:
        """Change the customer's default card in the portal; the customer."""
        with self._lock:
            return self._portal_card(self._portal_for(customer), card)

    # Test clocks

    def _clock_create(self, *, form, account, **_):
        frozen = _int(form.get("frozen_time"), "frozen_time")
        clock_id = _rid("clock_", 24)
        self.clocks[clock_id] = {
            "id": clock_id, "object": "test_helpers.test_clock", "created": int(time.time()),
            "deletes_after": int(time.time()) + 30 * 86400, "frozen_time": frozen,
            "livemode": False, "name": form.get("name"), "status": "ready",
            "status_details": {},
        }  # fmt: skip
        self.owner[clock_id] = account
        return self._retrieve("test_helpers/test_clocks", clock_id, account)

    def _clock_advance(self, *, obj_id, form, account, **_):
        clock = self._retrieve("test_helpers/test_clocks", obj_id, account)
        to = _int(form.get("frozen_time"), "frozen_time")
        if to <= clock["frozen_time"]:
            raise StripeError(400, "The frozen_time must be after the test clock's current "
                              "frozen_time.", "frozen_time")  # fmt: skip
        customers = {c for c, o in self.overlay.items() if o.get("test_clock") == obj_id}
        for sub_id, st in list(self.subs.items()):
            if st["customer"] in customers:
                self._settle(sub_id, to)
        self.clocks[obj_id]["frozen_time"] = to
        answer = self._retrieve("test_helpers/test_clocks", obj_id, account)
        answer["status"] = "advancing"  # as Stripe answers; a GET then says "ready"
        return answer

    def _clock_delete(self, *, obj_id, account, **_):
        self._retrieve("test_helpers/test_clocks", obj_id, account)
        del self.clocks[obj_id]
        return {"id": obj_id, "object": "test_helpers.test_clock", "deleted": True}


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return str(value.get("id"))
    return "" if value is None else str(value)


def _truthy(value: Any) -> bool:
    return value is True or value == "true"


def _item_prices(sub: dict) -> set[str]:
    return {item["price"]["id"] for item in sub["items"]["data"]}


def items_changed(kept: dict) -> bool:
    return bool(kept.get("items")) and bool(kept["items"][0].get("plan"))


def _json_type() -> dict:
    return {"Content-Type": "application/json"}


def _dumps(answer: Any) -> bytes:
    return (json.dumps(answer, indent=2) + "\n").encode()
