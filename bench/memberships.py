#!/usr/bin/env python3
"""Paid memberships: what they cost anonymous cached reads, a paying member's gated read,
Stripe Connect webhook throughput, and the daily reconcile at 10,000 members, in one run.

    .venv/bin/python bench/memberships.py [--quick] [--duration 5] [--rounds 4]
        [--samples 300] [--events 3000] [--clients 4] [--subscriptions 10000]
        [--parts 1,2,3,4] [--profile]

About 5 minutes on 2 cores (--quick: about 2). Database `bench_memberships` (kept, re-seeded
in place), Redis databases 10 and 11, everything on 127.0.0.1. The local Stripe is
tests/support/stripe_local.py's (localstripe behind the edge), through
bench/memberships_stripe.py (bulk seeding; a list snapshot, see there).

1. Anonymous reads through Varnish (varnish/quire.vcl before gunicorn with the shipped
   config/gunicorn.py, 2 workers x 4 threads), wrk at --connections on a random page of a
   blog (its home page and 20 posts): `paidon` (a connected account, 3 tiers, 18 of the 20
   posts gated: the public part, the call to join and paywall.js) against `paidoff` (no
   account or tiers, the same 20 posts public), in ABBA rounds: req/s, CPU per request
   (varnishd + gunicorn), front-cache hits. Target on/off >= 0.95. bench/front has no stock
   django-tenants figure behind Varnish, so neither has this.
2. A paying member's read of a gated post, one request at a time, each from one of 200
   members (their `quire_member` cookie and `quire_known=1`, as a signed-in browser sends):
   the post page through Varnish (one cached page for everyone), then what paywall.js asks,
   `/members/posts/<id>/gated/` through Varnish (passed: never cached); p50/p95/p99 of each
   and of the visit (both, one after the other). Target: the gated fragment p95 < 30 ms.
   Beside it in the same run: the public post page uncached (the same post on paidoff, a
   query string of its own each time so the page cache misses), straight to gunicorn.
3. Signed `customer.subscription.created` events (one per reader of the `hooks` blog, the
   subscription named by its metadata: a new member each), then `customer.subscription.updated`
   for each (found by subscription id), then the same updates again (redeliveries: the
   ledger answers "duplicate"), POSTed to /billing/stripe/connect/ by --clients clients on
   gunicorn with ONE worker (config/gunicorn.py, 4 threads). The objects are the local
   Stripe's subscription, as its events carry it. Events/s; target >= 200/s for the first
   two. With --profile or below target: cProfile of `connect_event_receive` in this process.
4. `memberships_reconcile` of the `reconcile` blog in a process of its own, as the Celery
   task runs it: 10,000 subscriptions on one connected account of the local Stripe (100 of
   them ahead of Quire's row, 100 whose member has no row yet) against 10,025 members (25
   paying with a subscription Stripe no longer has). Wall time, target < 60 s; the time
   inside Stripe's list calls apart. With --profile or above target: cProfile of the run.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as `python bench/memberships.py`, this file's folder comes first on sys.path, and this
# file would shadow the `memberships` app: the project's root goes first instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from bench.comments import free_port, postgres_cpu, proc_cpu  # noqa: E402
from bench.common import percentile, print_table, progress  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
DATABASE = "bench_memberships"
REDIS_DBS = (10, 11)
TARGET_READ_RATIO = 0.95
TARGET_GATED_P95_MS = 30.0
TARGET_EVENTS_PER_S = 200.0
TARGET_RECONCILE_S = 60.0
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
WEBHOOK = "/billing/stripe/connect/"
LUA = """
local paths = {PATHS}
math.randomseed(os.time())
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""


def step(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


# --- processes ----------------------------------------------------------------------------


def environment(edge) -> dict[str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    return dict(os.environ) | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret"),
        "DATABASE_URL": urlparse(base)._replace(path=f"/{DATABASE}").geturl(),
        "REDIS_URL": f"{redis}/{REDIS_DBS[0]}",
        "CELERY_BROKER_URL": f"{redis}/{REDIS_DBS[1]}",
        "PLATFORM_DOMAIN": "localhost",
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "QUIRE_IGNORE_LOCAL_ENV": "1",
        "PYTHONPATH": str(ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_CONNECT_CLIENT_ID": "ca_bench",
        "STRIPE_CONNECT_WEBHOOK_SECRET": edge.connect_secret,
        "STRIPE_API_BASE": edge.url,
        "STRIPE_CONNECT_BASE": edge.url,
    }


def ensure_database(env: dict[str, str]) -> None:
    import psycopg2

    url = urlparse(env["DATABASE_URL"])
    conn = psycopg2.connect(url._replace(path="/postgres").geturl())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{DATABASE}"')
    conn.close()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   capture_output=True, text=True)  # fmt: skip


def wait_port(port: int, what: str, proc: subprocess.Popen, seconds: float = 30) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited ({proc.returncode})")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on {port}")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def gunicorn(env: dict[str, str], port: int, *, workers: int | None = None) -> subprocess.Popen:
    extra = {"GUNICORN_BIND": f"127.0.0.1:{port}"}
    if workers:
        extra["WEB_CONCURRENCY"] = str(workers)
    proc = subprocess.Popen(
        [GUNICORN, "-c", "config/gunicorn.py", "--log-level", "warning", "config.wsgi:application"],
        cwd=ROOT, env=env | extra,
    )  # fmt: skip
    wait_port(port, "gunicorn", proc, seconds=60)
    for _ in range(150):  # the workers' warm-up: until a page answers
        try:
            if get(port, "/healthz", "localhost")[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz")


def varnish(tmp: Path, backend_port: int, port: int) -> tuple[subprocess.Popen, Path]:
    folder = tmp / "varnish"
    folder.mkdir()
    os.chmod(tmp, 0o755)
    os.chmod(folder, 0o755)
    vcl = (ROOT / "varnish" / "quire.vcl").read_text()
    vcl = vcl.replace('"8000";  # backend port', f'"{backend_port}";')
    (folder / "quire.vcl").write_text(vcl)
    os.chmod(folder / "quire.vcl", 0o644)
    proc = subprocess.Popen(
        [shutil.which("varnishd") or "/usr/sbin/varnishd", "-F", "-n", str(folder / "n"),
         "-a", f"127.0.0.1:{port}", "-f", str(folder / "quire.vcl"), "-s", "malloc,256m",
         "-T", "none"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_port(port, "varnishd", proc)
    return proc, folder / "n"


def varnish_counters(name: Path) -> dict[str, int]:
    out = subprocess.run(
        ["varnishstat", "-n", str(name), "-1", "-f", "MAIN.cache_hit", "-f", "MAIN.cache_miss",
         "-f", "MAIN.s_pass"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^MAIN\.(\w+)\s+(\d+)", out, re.M)}


def get(port: int, path: str, host: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
    headers = {"Host": host, "User-Agent": BROWSER_UA} | (headers or {})
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


# --- 1. anonymous reads through Varnish --------------------------------------------------


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(port: int, host: str, script: Path, *, seconds: float, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", str(script),
         "-H", f"Host: {host}", "-H", f"User-Agent: {BROWSER_UA}", f"http://127.0.0.1:{port}/"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk on {host}: {errors.group(1)} error responses\n{out}")
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
    }


def part_reads(args, data: dict, ports: dict, procs: dict, name: Path, tmp: Path) -> dict:
    script = tmp / "paths.lua"
    script.write_text(
        LUA.replace("{PATHS}", "{" + ", ".join(f'"{p}"' for p in data["paths"]) + "}")
    )
    sizes = {}
    for state in ("on", "off"):
        host = data[state]["host"]
        total = 0
        for path in data["paths"]:
            status, body, _ = get(ports["varnish"], path, host)
            assert status == 200, (host, path, status)
            total += len(body)
        sizes[state] = total / len(data["paths"])
    order = [s for n in range(args.rounds) for s in (("on", "off"), ("off", "on"))[n % 2]]
    rounds: dict[str, list[dict]] = {"on": [], "off": []}
    for number, state in enumerate(order, 1):
        host = data[state]["host"]
        step(f"[1: {number}/{len(order)}] paid tiers {state} ({host}): wrk {args.duration:g} s "
             f"through Varnish...")  # fmt: skip
        wrk(ports["varnish"], host, script, seconds=1, connections=args.connections)  # warm
        before_cpu = {k: proc_cpu(procs[k].pid) for k in ("varnish", "web")}
        before_hits = varnish_counters(name)
        figures = wrk(ports["varnish"], host, script, seconds=args.duration,
                      connections=args.connections)  # fmt: skip
        hits = {k: v - before_hits.get(k, 0) for k, v in varnish_counters(name).items()}
        cpu = {k: proc_cpu(procs[k].pid) - before_cpu[k] for k in before_cpu}
        figures |= {
            "cpu_us": 1e6 * (cpu["varnish"] + cpu["web"]) / figures["requests"],
            "varnish_us": 1e6 * cpu["varnish"] / figures["requests"],
            "web_us": 1e6 * cpu["web"] / figures["requests"],
            "hit": hits.get("cache_hit", 0) / max(1, sum(hits.values())),
            "load": os.getloadavg()[0],
        }
        rounds[state].append(figures)
    return {"rounds": rounds, "sizes": sizes}


# --- 2. a paying member's gated read ----------------------------------------------------


def part_gated(args, data: dict, ports: dict) -> dict:
    on, off = data["on"]["host"], data["off"]["host"]
    post, public = data["paid_post"], data["off_post"]
    front = http.client.HTTPConnection("127.0.0.1", ports["varnish"], timeout=10)
    direct = http.client.HTTPConnection("127.0.0.1", ports["web"], timeout=10)

    def one(conn, path: str, host: str, cookie: str = "") -> tuple[float, int, bytes, dict]:
        headers = {"Host": host, "User-Agent": BROWSER_UA, "Accept": "*/*"}
        if cookie:
            headers["Cookie"] = cookie
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        took = 1000 * (time.perf_counter() - t0)
        if response.status != 200:
            raise SystemExit(f"{host}{path}: HTTP {response.status} {body[:200]!r}")
        return took, response.status, body, dict(response.getheaders())

    gated_path = f"/members/posts/{post['id']}/gated/"
    free = data["free"][0]
    _, _, body, _ = one(front, gated_path, on, f"quire_member={free}; quire_known=1")
    refused = json.loads(body)
    times: dict[str, list[float]] = {"page": [], "fragment": [], "visit": [], "direct": [],
                                     "public_uncached": []}  # fmt: skip
    hits, granted, gated_bytes = 0, 0, 0
    total = args.samples + 20
    for n in range(total):
        cookie = f"quire_member={data['payers'][n % len(data['payers'])]}; quire_known=1"
        page_ms, _, page_body, headers = one(front, f"/{post['slug']}/", on, cookie)
        frag_ms, _, frag_body, _ = one(front, gated_path, on, cookie)
        direct_ms, _, _, _ = one(direct, gated_path, on, cookie)
        public_ms, _, _, _ = one(direct, f"/{public['slug']}/?utm_source=bench{n}", off)
        if n < 20:
            continue  # warming
        answer = json.loads(frag_body)
        granted += bool(answer.get("access") and answer.get("html"))
        gated_bytes = len(frag_body)
        hits += headers.get("X-Front-Cache") == "HIT"
        times["page"].append(page_ms)
        times["fragment"].append(frag_ms)
        times["visit"].append(page_ms + frag_ms)
        times["direct"].append(direct_ms)
        times["public_uncached"].append(public_ms)
        if n % 25 == 0 or n == total - 1:
            progress("  gated reads", n + 1 - 20, args.samples)
    front.close()
    direct.close()
    sql = fragment_sql(on, gated_path, data["payers"][0])
    return {"sql": sql, "times": times, "hits": hits, "granted": granted, "refused": refused,
            "page_bytes": len(page_body), "fragment_bytes": gated_bytes,
            "has_script": b"paywall.js" in page_body}  # fmt: skip


def fragment_sql(host: str, path: str, cookie: str) -> list[str]:
    """The SQL statements of one gated fragment, the view run in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=host)
    client.cookies["quire_member"], client.cookies["quire_known"] = cookie, "1"
    client.get(path)  # routing and settings caches
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(path)
    assert answer.status_code == 200 and answer.json()["access"], answer.content[:200]
    return [q["sql"] for q in captured.captured_queries]


# --- 3. webhooks -------------------------------------------------------------------------


def hook_events(hooks: dict, template: dict, *, account: str, price: dict, run_id: str):
    """(created, updated) events per reader: Stripe-shaped subscription objects."""
    import stripe

    now = int(time.time())
    created, updated = [], []
    for n, subscriber_id in enumerate(hooks["subscribers"]):
        obj = json.loads(json.dumps(template))
        obj["id"], obj["customer"] = f"sub_hooks_{run_id}_{n}", f"cus_hooks_{run_id}_{n}"
        obj["metadata"] = {"quire_schema": hooks["schema"], "quire_subscriber": str(subscriber_id)}
        obj["items"]["data"][0]["price"] = price
        legs = (("created", now - 600, {}), ("updated", now - 300, {"cancel_at_period_end": True}))
        for kind, at, changes in legs:
            body = obj | changes
            event = {"id": f"evt_bench_{run_id}_{kind}_{n}", "object": "event",
                     "api_version": stripe.api_version,
                     "account": account, "created": at, "livemode": False,
                     "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
                     "type": f"customer.subscription.{kind}", "data": {"object": body}}  # fmt: skip
            if kind == "updated":
                event["data"]["previous_attributes"] = {"cancel_at_period_end": False}
            (created if kind == "created" else updated).append(json.dumps(event, indent=2))
    return created, updated


def post_events(port: int, payloads: list[str], edge, *, clients: int, label: str) -> dict:
    """POST every payload (signed as sent) by `clients` threads; events/s and outcomes."""
    lock = threading.Lock()
    turn = iter(range(len(payloads)))
    outcomes: dict[str, int] = {}
    latencies: list[float] = []
    errors: list[str] = []

    def loop() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                n = next(turn, None)
            if n is None:
                break
            payload = payloads[n]
            headers = {"Host": "localhost", "Content-Type": "application/json; charset=utf-8",
                       "Stripe-Signature": edge.sign(payload),
                       "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}  # fmt: skip
            t0 = time.perf_counter()
            conn.request("POST", WEBHOOK, payload.encode(), headers=headers)
            response = conn.getresponse()
            body = response.read().decode(errors="replace")
            took = 1000 * (time.perf_counter() - t0)
            with lock:
                key = body if response.status == 200 else f"HTTP {response.status}"
                outcomes[key] = outcomes.get(key, 0) + 1
                latencies.append(took)
                if response.status != 200 and len(errors) < 3:
                    errors.append(f"{response.status}: {body[:200]}")
        conn.close()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        with lock:
            done = len(latencies)
        progress(f"  {label}", done, len(payloads))
        time.sleep(0.5)
    elapsed = time.perf_counter() - started
    progress(f"  {label}", len(latencies), len(payloads))
    return {"events": len(latencies), "seconds": elapsed, "per_s": len(latencies) / elapsed,
            "outcomes": outcomes, "errors": errors, "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95)}  # fmt: skip


def hooks_template(edge) -> tuple[str, dict, dict]:
    """A connected account on the local Stripe, a price and one subscription there: the
    subscription object (as the local Stripe's events carry it) is every event's template."""
    import stripe

    account = edge.add_account("hooks@example.org")
    client = stripe.StripeClient("sk_test_bench", base_addresses={"api": edge.url})
    options = {"stripe_account": account}
    product = client.v1.products.create(params={"name": "Supporter"}, options=options)
    price = client.v1.prices.create(
        params={"product": product.id, "unit_amount": 500, "currency": "usd",
                "recurring": {"interval": "month"}},
        options=options,
    )  # fmt: skip
    made = edge.seed_subscriptions(
        account=account, price_id=price.id, rows=[{"email": "t@hooks.example", "metadata": {}}]
    )
    template = edge._retrieve("subscriptions", made[0]["subscription"], account)
    return account, template, template["items"]["data"][0]["price"]


def part_hooks(args, env: dict, edge, ports: dict) -> dict:
    from bench.memberships_seed import hooks_counts, hooks_reset

    account, template, price = hooks_template(edge)
    hooks = hooks_reset(readers=args.events, account_id=account, price_id=price["id"])
    run_id = str(int(time.time()))
    created, updated = hook_events(hooks, template, account=account, price=price, run_id=run_id)
    step(f"[3] gunicorn with 1 worker (config/gunicorn.py, "
         f"{os.environ.get('GUNICORN_THREADS', '4')} threads) on :{ports['hooks']}...")  # fmt: skip
    web = gunicorn(env, ports["hooks"], workers=1)
    out: dict = {"bytes": statistics.mean(len(p) for p in updated), "legs": []}
    try:
        for label, payloads in (("created (new members, by metadata)", created),
                                ("updated (by subscription id)", updated),
                                ("updated again (redelivered: duplicate)", updated)):  # fmt: skip
            step(f"[3] {len(payloads):,} x {label}, {args.clients} clients...")
            cpu_before = proc_cpu(web.pid), postgres_cpu(DATABASE)
            leg = post_events(ports["hooks"], payloads, edge, clients=args.clients,
                              label=label.split(" ")[0])  # fmt: skip
            pg_after = postgres_cpu(DATABASE)
            leg["web_ms"] = 1000 * (proc_cpu(web.pid) - cpu_before[0]) / leg["events"]
            leg["pg_ms"] = 1000 * sum(v - cpu_before[1].get(pid, 0.0)
                                      for pid, v in pg_after.items()) / leg["events"]  # fmt: skip
            leg["load"] = os.getloadavg()[0]
            out["legs"].append((label, leg))
    finally:
        stop(web)
    out["ledger"] = hooks_counts(account)
    slow = min(leg["per_s"] for _, leg in out["legs"][:2]) < TARGET_EVENTS_PER_S
    if args.profile or slow:
        step("[3] profiling connect_event_receive in this process (500 updates)...")
        out["profile"] = profile_hooks(edge, hooks, template, account, price)
    return out


def profile_hooks(edge, hooks: dict, template: dict, account: str, price: dict) -> dict:
    """The webhook's work without HTTP: `connect_event_receive` in this process for 500 of
    the readers made members anew (their memberships deleted first), created then updated.
    The first half is timed plain, the second under cProfile; and the SQL of one of each."""
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from memberships.models import ReaderMembership
    from memberships.webhooks import connect_event_receive
    from tenants.context import tenant_context
    from tenants.models import Tenant

    sample = dict(hooks, subscribers=hooks["subscribers"][:500])
    with tenant_context(Tenant.objects.get(schema_name=hooks["schema"])):
        ReaderMembership.objects.filter(subscriber_id__in=sample["subscribers"]).delete()
    created, updated = hook_events(sample, template, account=account, price=price,
                                   run_id=f"p{int(time.time())}")  # fmt: skip
    half = len(created) // 2
    queries = [0]

    def count(execute, sql, params, many, context):  # noqa: ANN001, ANN202
        queries[0] += 1
        return execute(sql, params, many, context)

    def receive(payloads: list[str]) -> float:
        started = time.perf_counter()
        for payload in payloads:
            connect_event_receive(payload=payload.encode(), signature=edge.sign(payload))
        return time.perf_counter() - started

    plain = {"created": half / receive(created[:half])}
    plain["updated"] = half / receive(updated[:half])
    profiler = cProfile.Profile()
    with connection.execute_wrapper(count):
        profiler.enable()
        profiled = receive(created[half:-1]) + receive(updated[half:-1])
        profiler.disable()
    with CaptureQueriesContext(connection) as first:
        receive(created[-1:])
    with CaptureQueriesContext(connection) as second:
        receive(updated[-1:])
    events = 2 * (len(created) - half - 1)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(15)
    return {"plain": plain, "per_s": events / profiled, "queries": queries[0] / events,
            "text": text.getvalue(),
            "sql": {"created": [q["sql"] for q in first.captured_queries],
                    "updated": [q["sql"] for q in second.captured_queries]}}  # fmt: skip


# --- 4. the reconcile --------------------------------------------------------------------


def part_reconcile(args, env: dict, edge) -> dict:
    from bench.memberships_seed import reconcile_seed

    n = args.subscriptions
    step(f"[4] seeding {n:,} subscriptions on one connected account of the local Stripe "
         "(in localstripe's process) and the members...")  # fmt: skip
    started = time.perf_counter()
    seeded = reconcile_seed(
        edge, subscriptions=n, stale=100, lost=100, gone=25,
        progress=lambda done, total: progress("  subscriptions", done, total),
    )  # fmt: skip
    seeded["seconds"] = time.perf_counter() - started
    step(f"[4] memberships_reconcile in a process of its own ({seeded['members']:,} members)...")
    edge.list_seconds, edge.list_pages = 0.0, 0
    out = {"seeded": seeded, "run": reconcile_process(env, seeded["schema"], profile=False)}
    out["run"] |= {"edge_seconds": edge.list_seconds, "edge_pages": edge.list_pages}
    if args.profile or out["run"]["wall"] >= TARGET_RECONCILE_S:
        step("[4] again under cProfile (the same rows, repaired ones put back first)...")
        reconcile_seed_again(edge, seeded, args)
        out["profiled"] = reconcile_process(env, seeded["schema"], profile=True)
    step("[4] one list page from the stock edge (no snapshot) at this size, for comparison...")
    out["stock_page"] = stock_page(edge, seeded["account"])
    return out


def reconcile_seed_again(edge, seeded: dict, args) -> None:
    from bench.memberships_seed import reconcile_seed

    again = reconcile_seed(
        edge, subscriptions=args.subscriptions, stale=100, lost=100, gone=25,
        progress=lambda done, total: progress("  again", done, total),
    )  # fmt: skip
    seeded.update(again)


def reconcile_process(env: dict, schema: str, *, profile: bool) -> dict:
    argv = [PYTHON, "-m", "bench.memberships_seed", "reconcile", schema]
    proc = subprocess.run(argv + (["--profile"] if profile else []), cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, text=True, timeout=1800)  # fmt: skip
    if proc.returncode:
        raise SystemExit(f"reconcile failed ({proc.returncode}):\n{proc.stdout[-3000:]}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def stock_page(edge, account: str) -> dict:
    """Seconds for the first list page and one from the middle, from the edge as
    tests/support/stripe_local.py has it (every page re-reads all subscriptions)."""
    import stripe

    client = stripe.StripeClient("sk_test_bench", base_addresses={"api": edge.url})
    options = {"stripe_account": account}
    edge.snapshot = False
    try:
        t0 = time.perf_counter()
        first = client.v1.subscriptions.list(params={"status": "all", "limit": 100},
                                             options=options)  # fmt: skip
        t1 = time.perf_counter()
        client.v1.subscriptions.list(
            params={"status": "all", "limit": 100, "starting_after": first.data[-1].id},
            options=options,
        )
        t2 = time.perf_counter()
    finally:
        edge.snapshot = True
    return {"first": t1 - t0, "second": t2 - t1}


# --- the run ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small, fast variant")
    parser.add_argument("--duration", type=float, default=5, help="seconds per read round")
    parser.add_argument("--rounds", type=int, default=4, help="on/off read rounds (ABBA)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--samples", type=int, default=300, help="gated reads")
    parser.add_argument("--events", type=int, default=3000, help="readers (events per leg)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent webhook senders")
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--parts", default="1,2,3,4")
    parser.add_argument("--profile", action="store_true", help="profile parts 3 and 4 anyway")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds, args.samples = 3, 2, 100
        args.events, args.subscriptions = 500, 2000
    args.parts = {int(p) for p in args.parts.split(",")}
    for tool in ("wrk", "varnishd", "varnishstat"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is missing: apt-get install wrk varnish varnish-modules")
    began = time.monotonic()
    from bench.memberships_stripe import BenchStripe

    edge = BenchStripe().start()
    env = environment(edge)
    tmp = Path(tempfile.mkdtemp(prefix="quire-memberships-"))
    procs: dict[str, subprocess.Popen] = {}
    try:
        out = run(args, env, edge, tmp, procs)
        report(args, out)
    finally:
        for proc in procs.values():
            stop(proc)
        edge.close()
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"\n(whole run: {time.monotonic() - began:.0f} s)")


def run(args, env: dict, edge, tmp: Path, procs: dict) -> dict:
    step(f"database {DATABASE}: migrating (the first run takes a minute)...")
    ensure_database(env)
    manage(env, "migrate_schemas", "--noinput", "-v", "0")
    manage(env, "ensure_template")
    os.environ.update(env)
    import django

    django.setup()
    from bench.memberships_seed import front_seed

    step("seeding paidon / paidoff (20 posts each, tiers and 200 paying members on paidon)...")
    data = front_seed()
    out: dict = {"data": data}
    ports = {"web": free_port(), "varnish": free_port(), "hooks": free_port()}
    if args.parts & {1, 2}:
        web_env = env | {"QUIRE_VARNISH_URLS": f"http://127.0.0.1:{ports['varnish']}"}
        step(f"starting gunicorn (config/gunicorn.py) on :{ports['web']} and Varnish on "
             f":{ports['varnish']}...")  # fmt: skip
        procs["varnish"], name = varnish(tmp, ports["web"], ports["varnish"])
        procs["web"] = gunicorn(web_env, ports["web"])
        if 1 in args.parts:
            out["reads"] = part_reads(args, data, ports, procs, name, tmp)
        if 2 in args.parts:
            step(f"[2] a paying member's gated read: {args.samples} visits, one at a time...")
            out["gated"] = part_gated(args, data, ports)
        stop(procs.pop("web"))
        stop(procs.pop("varnish"))
    if 3 in args.parts:
        out["hooks"] = part_hooks(args, env, edge, ports)
    if 4 in args.parts:
        out["reconcile"] = part_reconcile(args, env, edge)
    return out


def report(args, out: dict) -> None:
    verdicts = []
    workers = os.environ.get("WEB_CONCURRENCY") or os.cpu_count()
    threads = os.environ.get("GUNICORN_THREADS", "4")
    print(f"\n=== bench/memberships.py: {os.cpu_count()} CPUs; gunicorn config/gunicorn.py "
          f"({workers} workers x {threads} threads for parts 1-2, 1 worker for part 3); "
          f"wrk 2 threads x {args.connections} connections ===")  # fmt: skip
    if "reads" in out:
        rounds, sizes = out["reads"]["rounds"], out["reads"]["sizes"]
        mean = lambda rs, k: statistics.mean(r[k] for r in rs)  # noqa: E731
        rows = [[f"paid tiers {s}", f"{mean(rs, 'rps'):,.0f}", f"{mean(rs, 'cpu_us'):,.0f}",
                 f"{mean(rs, 'varnish_us'):,.0f}", f"{mean(rs, 'web_us'):,.1f}",
                 f"{mean(rs, 'hit'):.2%}", f"{mean(rs, 'p50'):.2f}", f"{mean(rs, 'p99'):.2f}",
                 f"{sizes[s]:,.0f}"] for s, rs in rounds.items()]  # fmt: skip
        print_table(
            f"1. Anonymous reads through Varnish, a random page of 21 (home + 20 posts), "
            f"{args.rounds} ABBA rounds x {args.duration:g} s, means",
            ["blog", "req/s", "CPU µs/req", "varnishd µs", "gunicorn µs", "front hits",
             "p50 ms", "p99 ms", "mean page B"], rows,
        )  # fmt: skip
        pairs = list(zip(rounds["on"], rounds["off"], strict=True))
        speed = [on["rps"] / off["rps"] for on, off in pairs]
        capacity = [off["cpu_us"] / on["cpu_us"] for on, off in pairs]
        ok = min(statistics.median(speed), statistics.median(capacity)) >= TARGET_READ_RATIO
        verdicts.append((f"1. reads on/off >= {TARGET_READ_RATIO}", ok))
        print(f"  on/off req/s: median {statistics.median(speed):.3f} (rounds "
              f"{', '.join(f'{x:.3f}' for x in speed)}); per CPU second: median "
              f"{statistics.median(capacity):.3f}; target >= {TARGET_READ_RATIO}: "
              f"{'met' if ok else 'NOT met'}")  # fmt: skip
        print(
            "  Stock django-tenants: no figure (bench/front has none behind Varnish; "
            "fleet.py `front` compares Varnish with nginx)."
        )
    if "gated" in out:
        g = out["gated"]
        labels = {
            "page": "post page via Varnish (member's cookies)",
            "fragment": "gated fragment via Varnish (passed)",
            "visit": "member's visit: page + fragment",
            "direct": "gated fragment, straight to gunicorn",
            "public_uncached": "public post page uncached, to gunicorn",
        }
        rows = [[labels[k], str(len(t)), f"{percentile(t, 50):.2f}", f"{percentile(t, 95):.2f}",
                 f"{percentile(t, 99):.2f}", f"{max(t):.1f}"]
                for k, t in g["times"].items()]  # fmt: skip
        print_table(
            f"2. A paying member reads a gated post ({args.samples} visits, one at a time, "
            f"200 members)", ["request", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows,
        )  # fmt: skip
        p95 = percentile(g["times"]["fragment"], 95)
        ok = p95 < TARGET_GATED_P95_MS
        verdicts.append((f"2. gated fragment p95 < {TARGET_GATED_P95_MS:.0f} ms", ok))
        print(f"  fragment p95 {p95:.2f} ms: {'met' if ok else 'NOT met'}; page front-cache "
              f"hits {g['hits']}/{args.samples}; access granted {g['granted']}/{args.samples} "
              f"({g['fragment_bytes']:,} B); a free member is refused: {g['refused']}; page "
              f"{g['page_bytes']:,} B, paywall.js in it: {g['has_script']}")  # fmt: skip
        print(f"  the fragment's SQL, in-process: {len(g['sql'])} statements")
        for sql in g["sql"]:
            print(f"    {sql[:150]}")
    if "hooks" in out:
        h = out["hooks"]
        rows = [[label, f"{leg['events']:,}", f"{leg['per_s']:.0f}", f"{leg['p50']:.1f}",
                 f"{leg['p95']:.1f}", f"{leg['web_ms']:.2f}", f"{leg['pg_ms']:.2f}",
                 ", ".join(f"{k} {v}" for k, v in leg["outcomes"].items())]
                for label, leg in h["legs"]]  # fmt: skip
        print_table(
            f"3. Connect webhook, 1 gunicorn worker, {args.clients} clients, events of "
            f"{h['bytes']:,.0f} B", ["events", "n", "events/s", "p50 ms", "p95 ms",
                                     "gunicorn CPU ms/ev", "postgres CPU ms/ev", "answers"],
            rows,
        )  # fmt: skip
        ok = all(leg["per_s"] >= TARGET_EVENTS_PER_S for _, leg in h["legs"][:2])
        verdicts.append((f"3. webhook >= {TARGET_EVENTS_PER_S:.0f} events/s per worker", ok))
        print(f"  ledger (ConnectEvent outcomes): {h['ledger']}; target: "
              f"{'met' if ok else 'NOT met'}")  # fmt: skip
        for label, leg in h["legs"]:
            if leg["errors"]:
                print(f"  {label}: {leg['errors']}")
        if "profile" in h:
            p = h["profile"]
            print(f"\n  connect_event_receive in this process, no HTTP: created "
                  f"{p['plain']['created']:.0f} events/s, updated {p['plain']['updated']:.0f} "
                  f"events/s (one thread); under cProfile {p['per_s']:.0f} events/s, "
                  f"{p['queries']:.1f} SQL statements per event")  # fmt: skip
            for kind, statements in p["sql"].items():
                print(f"  SQL of one {kind} event ({len(statements)} statements):")
                for sql in statements:
                    print(f"    {sql[:150]}")
            print(p["text"])
    if "reconcile" in out:
        r = out["reconcile"]
        run_ = r["run"]
        quire = run_["wall"] - run_["list_seconds"]
        rows = [["memberships_reconcile", f"{run_['wall']:.1f}",
                 f"{run_['list_seconds']:.1f}", f"{quire:.1f}", f"{run_['cpu']:.1f}",
                 str(run_["pages"]), f"{run_['checked']:,}", str(run_["repaired"]),
                 f"{run_['queries']:,}"]]  # fmt: skip
        print_table(
            f"4. Reconcile: {r['seeded']['members']:,} members against "
            f"{args.subscriptions:,} subscriptions (seeded in {r['seeded']['seconds']:.0f} s)",
            ["run", "wall s", "in list calls s", "the rest s", "process CPU s", "pages",
             "checked", "repaired", "SQL"], rows,
        )  # fmt: skip
        ok = run_["wall"] < TARGET_RECONCILE_S and not run_["error"]
        verdicts.append((f"4. reconcile < {TARGET_RECONCILE_S:.0f} s", ok))
        stock = r["stock_page"]
        client = run_["list_seconds"] - run_["edge_seconds"]
        each = 1000 * run_["edge_seconds"] / max(1, run_["edge_pages"])
        print(f"  in list calls: the local Stripe answering {run_['edge_seconds']:.1f} s "
              f"({run_['edge_pages']} pages, {each:.0f} ms each, "
              f"its snapshot made on the first), the reconcile's process (HTTP, the SDK reading "
              f"the pages) {client:.1f} s")  # fmt: skip
        print(f"  target: {'met' if ok else 'NOT met'}; error: {run_['error'] or 'none'}; "
              f"paying after: {run_['paying']:,}. The stock edge (no snapshot) takes "
              f"{stock['first']:.1f} s / {stock['second']:.1f} s for a page at this size "
              f"(~{run_['pages'] * stock['second']:.0f} s for the walk): the fake's own "
              "cost, not Stripe's.")  # fmt: skip
        if "profiled" in r:
            p = r["profiled"]
            print(
                f"\n  cProfile of the run: wall {p['wall']:.1f} s under the profiler "
                f"(list calls {p['list_seconds']:.1f} s)"
            )
            print(p["profile"])
    print("Targets: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}"
                                  for name, ok in verdicts))  # fmt: skip
    print(f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
