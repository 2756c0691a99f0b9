"""The local Stripe of tests/support/stripe_local.py, for bench/memberships.py, with two
bench-only changes:

- `seed_subscriptions()` puts many customers and active subscriptions on one connected
  account at once: localstripe makes them in its own process
  (bench/memberships_localstripe.py) and the edge records them as its own
  `_sub_create` would (owner, period), without the per-subscription events.
- With `snapshot` on, the edge answers `GET /v1/subscriptions` from a copy of localstripe's
  subscriptions taken at the first list request after a write (any POST or DELETE drops
  it). The stock edge re-reads and re-decorates every subscription of localstripe for each
  page it answers, O(n) per page and O(n^2) for a walk through the list, which Stripe is
  not; `snapshot=False` is that stock behaviour, measured for comparison.

Everything else (the wire format, `Stripe-Account` scoping, pagination) is the stock edge.
"""

import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable

import httpx

from tests.support.net import free_port
from tests.support.stripe_local import ROOT, LocalStripe, _item_prices, add_interval

SEED_BATCH = 1000


class BenchStripe(LocalStripe):
    def __init__(self, *, snapshot: bool = True) -> None:
        super().__init__()
        self.snapshot = snapshot
        self._listing: tuple[str | None, list[dict]] | None = None
        self.list_seconds, self.list_pages = 0.0, 0  # time spent answering subscription lists

    def start(self) -> "BenchStripe":
        """LocalStripe.start(), with the runner that has the seeding route."""
        import http.server

        port = free_port()
        self.backend_url = f"http://127.0.0.1:{port}"
        self._log = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.memberships_localstripe", "--port", str(port)],
            cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._backend = httpx.Client(
            base_url=self.backend_url, headers={"Authorization": "Bearer sk_test_edge"}, timeout=60
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

    @property
    def backend_pid(self) -> int:
        return self._proc.pid

    def seed_subscriptions(
        self,
        *,
        account: str,
        price_id: str,
        rows: list[dict],
        progress: Callable[[int, int], None] | None = None,
    ) -> list[dict]:
        """An active monthly subscription to `price_id` on `account` per row (`email`,
        `metadata`); returns per row its `customer`, `subscription` and `period_end`."""
        price = self.prices[price_id]
        out: list[dict] = []
        for start in range(0, len(rows), SEED_BATCH):
            batch = rows[start : start + SEED_BATCH]
            answer = self._backend.post(
                "/_config/bench/seed", json={"plan": price_id, "rows": batch}
            )
            answer.raise_for_status()
            now = int(time.time())
            with self._lock:
                self._listing = None
                for customer, sub_id in answer.json()["made"]:
                    end = add_interval(now, price["recurring"]["interval"])
                    self.owner[customer] = self.owner[sub_id] = account
                    self.subs[sub_id] = {
                        "account": account, "customer": customer, "price": price_id,
                        "quantity": 1, "discount": None, "discount_uses": 0, "start_date": now,
                        "billing_cycle_anchor": now, "trial_start": None, "trial_end": None,
                        "ended_at": None, "canceled_at": None, "cancel_at": None,
                        "test_clock": None, "status": "active", "latest_invoice": None,
                        "discounts": [], "period_start": now, "period_end": end,
                        "cancellation_details": {"comment": None, "feedback": None,
                                                 "reason": None},
                    }  # fmt: skip
                    out.append({"customer": customer, "subscription": sub_id, "period_end": end})
            if progress is not None:
                progress(len(out), len(rows))
        return out

    def _dispatch(self, method: str, target: str, headers, body: str):
        if method != "GET":
            self._listing = None
        started = time.perf_counter()
        answer = super()._dispatch(method, target, headers, body)
        if method == "GET" and target.startswith("/v1/subscriptions?"):
            self.list_seconds += time.perf_counter() - started
            self.list_pages += 1
        return answer

    def _list(self, res: str, query: dict, account: str | None) -> dict:
        if not self.snapshot or res != "subscriptions":
            return super()._list(res, query, account)
        query = dict(query)
        if self._listing is None or self._listing[0] != account:
            raw = self._ls("GET", "/v1/subscriptions", {"limit": 1000000, "status": "all"})
            items = [self._decorate(o) for o in reversed(raw["data"])]
            items = [o for o in items if self._owner_of(o) == account]
            items.sort(key=lambda o: o.get("created") or 0, reverse=True)
            self._listing = (account, items)
        items = self._listing[1]
        status = query.pop("status", None)
        if status is None:
            items = [s for s in items if s["status"] not in ("canceled", "incomplete_expired")]
        elif status == "ended":
            items = [s for s in items if s["status"] in ("canceled", "incomplete_expired")]
        elif status != "all":
            items = [s for s in items if s["status"] == status]
        if "price" in query:
            price = query.pop("price")
            items = [s for s in items if price in _item_prices(s)]
        items = self._filter(items, query)
        answer = json.loads(json.dumps(self._paginate(items, query, "/v1/subscriptions")))
        return self._expand(answer, list(query.get("expand") or []), account)
