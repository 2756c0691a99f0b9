#!/usr/bin/env python3
"""Comments: what they cost the cached post page, the thread fragment's latency, and
sustained comment posting with readers on the same servers, in one run.

    .venv/bin/python bench/comments.py [--duration 5] [--rounds 4] [--post-seconds 20]
        [--clients 8] [--connections 8] [--samples 200] [--paced 50] [--parts 1,2,3]

About 4 minutes on 2 cores.

One blog (`comments`, database `bench_comments` unless --database) with one post carrying 500
approved comments (a third of them replies, some replies to replies), seeded through the ORM
inside `tenant_context`; gunicorn with the shipped config (config/gunicorn.py: 2 workers x 4
threads, keep-alive), a Celery worker (`-Q default`, one process) for the tasks comments
queue, a Redis of the bench's own (unless REDIS_URL is given: the shared one's databases are
emptied by test runs) and the Akismet stand-in of tests/support/akismet.py.

1. The cached post page, comments on (policy "members", 500 comments) against off (policy
   "off" on the same post: same URL, same cache entry, same data; only the setting differs),
   wrk at --connections, in ABBA rounds: req/s and requests per CPU second (gunicorn + the
   bench's Redis, as bench/read_throughput), on/off. Target >= 0.95. The page's bytes are
   compared in both states (the thread is not in the page: comments.js fetches it). For
   information, a reader's whole visit as comments.js makes it: the page and the fragment;
   `/comments/<id>/me/` (uncached, per reader) only for readers signed in or with comments of
   their own, or once a reader starts writing.
2. GET /comments/<id>/ at 500 comments, one request at a time: cold (the thread retired with
   `comments.cache.thread_changed` before each request, so it renders from the database) and
   warm (the cached fragment): p50/p95/p99. Target p95 < 30 ms. Plus an in-process split of
   a cold render (query and tree, template).
3. Comments posted as JSON by --clients concurrent clients for --post-seconds, each comment
   from one of 3,000 members on its own address (X-Forwarded-For from the trusted local proxy,
   as Caddy sends it), with moderation "none": (a) no Akismet key (published at once), (b) an
   Akismet key, the stand-in as QUIRE_AKISMET_URL (accepted, held for the spam check the
   worker makes; watched for --check-seconds after posting, then the rest of the queue is
   dropped); between them (c) the same as (a) paced at --paced comments/s. Comments/s answered
   201 (target >= 50/s, legs a and b). Meanwhile wrk reads the post page; its req/s against
   readers alone before and after (target: slowed by <= 10%), and the CPU each process spent.

There is no stock django-tenants figure: django-tenants has no comments, and the post page is
the same page-cache hit bench/read_throughput compares with stock.
"""

import argparse
import http.client
import itertools
import json
import os
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as `python bench/comments.py`, this file's folder comes first on sys.path, and this file
# would shadow the `comments` app: the project's root goes first instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from bench.common import percentile, print_table, progress  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
SUBDOMAIN = "comments"
HOST = f"{SUBDOMAIN}.localhost"
ORIGIN = f"http://{HOST}"
SLUG = "talk-of-the-town"
COMMENTS = 500
MEMBERS = 3000  # commenters of the posting runs, each on an address of its own
TARGET_PAGE_RATIO = 0.95
TARGET_COLD_P95_MS = 30.0
TARGET_POSTS_PER_S = 50.0
TARGET_READER_SLOWDOWN = 0.10
# The product's limits are 20/m/ip,6/m/key; each member here posts a few times a minute from
# its own address, so they are raised only as a margin (429s are counted and shown).
RATE_COMMENT = "120/m/ip,60/m/key"
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
WORDS = (
    "quire page thread reply cache tenant schema river garden lamp window paper "
    "ink letter morning street music table winter market harbour bread coffee"
).split()


def step(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


# --- processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_redis() -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return server, port
        time.sleep(0.05)
    server.terminate()
    raise SystemExit("redis-server did not start")


def proc_cpu(pid: int, *, children: bool = True) -> float:
    """User + system CPU seconds of a process and (recursively) its children (Linux /proc)."""
    pids, seen, ticks = [pid], set(), 0
    while pids:
        one = pids.pop()
        if one in seen:
            continue
        seen.add(one)
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        ticks += int(fields[11]) + int(fields[12])
        kids = Path(f"/proc/{one}/task/{one}/children")
        if children and kids.exists():
            pids += [int(p) for p in kids.read_text().split()]
    return ticks / os.sysconf("SC_CLK_TCK")


class Servers:
    """gunicorn (and its CPU with the bench's Redis), the Celery worker."""

    def __init__(self, env: dict[str, str], redis_pid: int | None, tmp: Path):
        self.env, self.redis_pid, self.tmp = env, redis_pid, tmp
        self.database = urlparse(env["DATABASE_URL"]).path.lstrip("/")
        self.port = free_port()
        self.web = self.worker = None

    def start(self) -> None:
        env = self.env | {"GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self.web = subprocess.Popen(
            [GUNICORN, "-c", "config/gunicorn.py", "--log-level", "warning",
             "config.wsgi:application"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        log = (self.tmp / "worker.log").open("w")
        self.worker = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "config", "worker", "--concurrency=1", "-Q", "default",
             "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"bench-comments-{os.getpid()}@%h"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        for _ in range(150):
            try:
                status, _body, _ = get(self.port, f"/{SLUG}/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit("gunicorn did not answer")

    def stop(self) -> None:
        for proc in (self.web, self.worker):
            if proc is not None and proc.poll() is None:
                proc.terminate()
        for proc in (self.web, self.worker):
            if proc is not None:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def web_cpu(self) -> float:
        """gunicorn's processes plus the bench's own Redis (the page cache's cost is there too)."""
        return proc_cpu(self.web.pid) + (proc_cpu(self.redis_pid) if self.redis_pid else 0.0)

    def worker_cpu(self) -> float:
        return proc_cpu(self.worker.pid)

    def cpu(self) -> dict:
        """CPU seconds so far, by who spent them, and the machine's busy and total seconds."""
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk runs, once reaped
        ticks = os.sysconf("SC_CLK_TCK")
        stat = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = stat[3] + stat[4]
        return {
            "gunicorn": proc_cpu(self.web.pid),
            "redis": proc_cpu(self.redis_pid) if self.redis_pid else 0.0,
            "worker": proc_cpu(self.worker.pid),
            "postgres": postgres_cpu(self.database),
            "bench clients": me.ru_utime + me.ru_stime,
            "wrk": kids.ru_utime + kids.ru_stime,
            "machine busy": (sum(stat) - idle) / ticks,
            "machine": sum(stat) / ticks,
        }


def postgres_cpu(database: str) -> dict[int, float]:
    """CPU seconds, by process, of the PostgreSQL backends connected to `database` (their
    command line names it) and of the WAL writer, which commits wait on."""
    total: dict[int, float] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cmdline.startswith("postgres: ") and (
            f" {database} " in cmdline or "walwriter" in cmdline
        ):
            total[int(proc.name)] = proc_cpu(int(proc.name), children=False)
    return total


def cpu_spent(before: dict, after: dict) -> dict[str, float]:
    """What each spent between two `Servers.cpu()`; for PostgreSQL, the backends alive at the
    end (one that exited meanwhile takes its share with it: a floor)."""
    spent = {k: after[k] - before[k] for k in before if k != "postgres"}
    spent["postgres"] = sum(v - before["postgres"].get(pid, 0.0)
                            for pid, v in after["postgres"].items())  # fmt: skip
    return spent


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
    headers = {"Host": HOST, "User-Agent": BROWSER_UA} | (headers or {})
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


# --- wrk ----------------------------------------------------------------------------------


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    servers: Servers, path: str, *, seconds: float, connections: int, warm: float = 1.0
) -> dict[str, float]:
    base = ["wrk", "-t2", f"-c{connections}", "--latency", "-H", f"Host: {HOST}",
            "-H", f"User-Agent: {BROWSER_UA}"]  # fmt: skip
    url = f"http://127.0.0.1:{servers.port}{path}"
    if warm:
        subprocess.run([*base, f"-d{warm:g}s", url], check=True, capture_output=True)
    cpu_before, worker_before = servers.web_cpu(), servers.worker_cpu()
    out = subprocess.run(
        [*base, f"-d{seconds:g}s", url], check=True, capture_output=True, text=True
    ).stdout
    cpu = servers.web_cpu() - cpu_before
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{path}: {errors.group(1)} error responses\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "cpu_ms": 1000 * cpu / requests,
        "worker_cpu": servers.worker_cpu() - worker_before,
        "load": os.getloadavg()[0],
    }


# --- Django, in this process (seeding, rules, form tokens, cache retirement) --------------


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def seed() -> dict:
    """The blog, its post with 500 approved comments, and the members who post in part 3."""
    from allauth.account.models import EmailAddress
    from django.core import signing
    from django.db import transaction
    from django.utils import timezone

    from audience.models import Subscriber
    from blog import services as blog_services
    from blog.models import Post
    from comments import services as comment_services
    from comments.markup import comment_render
    from comments.models import Comment
    from shared.accounts.models import User
    from tenants import services as tenant_services
    from tenants.context import tenant_context
    from tenants.models import Tenant

    tenant = Tenant.objects.filter(subdomain=SUBDOMAIN).first()
    owner = User.objects.filter(email="comments-bench@example.org").first()
    if owner is None:
        owner = User.objects.create_user(email="comments-bench@example.org", password="x-bench-1")
        EmailAddress.objects.create(user=owner, email=owner.email, primary=True, verified=True)
    if tenant is None:
        with transaction.atomic():
            tenant = tenant_services.tenant_provision(
                subdomain=SUBDOMAIN, name="Comment bench", owner=owner
            )
    rng = random.Random(500)
    with tenant_context(tenant):
        post = Post.objects.filter(slug=SLUG).first()
        if post is None:
            body = "\n\n".join(
                f"Paragraph {i}: a post of ordinary length, **some** words and a [link](/x/)."
                for i in range(10)
            )
            post = blog_services.post_create(
                tenant=tenant, author=owner, title="Talk of the town", body=body,
                action="publish", slug=SLUG,
            )  # fmt: skip
        # Members: the first 40 wrote the seeded comments; all of them post in part 3.
        have = set(Subscriber.objects.filter(email__endswith="@readers.example").values_list(
            "email", flat=True))  # fmt: skip
        missing = [f"m{i:05}@readers.example" for i in range(MEMBERS)]
        missing = [e for e in missing if e not in have]
        Subscriber.objects.bulk_create(
            [Subscriber(email=e, status="confirmed", source="member", confirmed_at=timezone.now())
             for e in missing],
            batch_size=1000,
        )  # fmt: skip
        members = list(
            Subscriber.objects.filter(email__endswith="@readers.example").order_by("email")
        )
        # What earlier posting runs left goes; the 500 seeded comments stay.
        Comment.objects.filter(post=post, nonce__isnull=False).delete()
        seeded = Comment.objects.filter(post=post, nonce__isnull=True)
        if seeded.filter(status="approved").count() != COMMENTS or seeded.count() != COMMENTS:
            seeded.delete()
            start = timezone.now() - timedelta(days=20)
            made: list = []
            with transaction.atomic():
                for n in range(COMMENTS):
                    author = members[n % 40]
                    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(15, 80)))
                    body = f"Comment {n}: {words}."
                    if n % 7 == 0:
                        body += f"\n\nSee [this](https://example.org/{n}) and *that*."
                    if n % 11 == 0:
                        body += f"\n\n> quoting an earlier one\n\n`code {n}`"
                    parent = None
                    if made and rng.random() < 0.33:  # threaded a bit
                        parent = rng.choice(made[-60:])
                    comment = Comment(
                        post=post, parent=parent, member=author,
                        author_name=author.email.split("@")[0], author_email=author.email,
                        body=body, body_html=comment_render(body), status="approved",
                        likes=rng.randint(0, 5), created_at=start + timedelta(minutes=40 * n),
                    )  # fmt: skip
                    comment.save()
                    made.append(comment)
        rules = dict(policy="members", moderation="none", akismet_key="")
        comment_services.comment_rules_set(**rules)
        replies = Comment.objects.filter(post=post, parent__isnull=False).count()
        deep = Comment.objects.filter(post=post, parent__parent__isnull=False).count()
        tops = list(
            Comment.objects.filter(post=post, parent__isnull=True).values_list("id", flat=True)
        )
    salt = f"audience.member.cookie:{tenant.schema_name}"
    return {
        "tenant": tenant,
        "schema": tenant.schema_name,
        "post_id": post.id,
        "replies": replies,
        "deep": deep,
        "tops": tops,
        "cookies": [signing.dumps(m.id, salt=salt) for m in members],
    }


def rules_set(tenant, **values) -> None:
    from comments import services as comment_services
    from tenants.context import tenant_context

    with tenant_context(tenant):
        comment_services.comment_rules_set(**values)


def thread_retire(tenant, post_id: int) -> None:
    from comments import cache
    from tenants.context import tenant_context

    with tenant_context(tenant):
        cache.thread_changed(post_id=post_id)  # outside a transaction: its on_commit runs now


def comment_tally(tenant, post_id: int) -> dict[str, int]:
    from django.db.models import Count

    from comments.models import Comment
    from tenants.context import tenant_context

    with tenant_context(tenant):
        rows = (
            Comment.objects.filter(post_id=post_id, nonce__isnull=False)
            .values_list("status", "reason")
            .annotate(n=Count("id"))
        )
        return {f"{s}{' (' + r + ')' if r else ''}": n for s, r, n in rows}


def posted_remove(tenant, post_id: int) -> None:
    from comments.models import Comment
    from tenants.context import tenant_context

    with tenant_context(tenant):
        Comment.objects.filter(post_id=post_id, nonce__isnull=False).delete()
        from comments import cache

        cache.thread_changed(post_id=post_id)


def cold_split(tenant, post_id: int, samples: int = 30) -> dict[str, float]:
    """A cold render in this process, split: the view's queries and the thread's tree
    (selectors.thread), and the markup (comments.html.thread_html, then the template)."""
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from comments import selectors
    from comments.html import thread_html
    from comments.models import BODY_LIMIT
    from comments.rules import comment_rules_get, may_comment, post_comments_state
    from comments.views import reader
    from tenants.context import tenant_context

    query, tree, template, whole = [], [], [], []
    with tenant_context(tenant):
        request = RequestFactory().get(f"/comments/{post_id}/", HTTP_HOST=HOST)
        request.tenant = tenant
        for _ in range(samples):
            t0 = time.perf_counter()
            post = reader._post(post_id)
            rules = comment_rules_get()
            state = post_comments_state(post=post, rules=rules)
            t1 = time.perf_counter()
            items, count = selectors.thread(post_id=post_id)
            t2 = time.perf_counter()
            render_to_string(
                "comments/_thread.html",
                {"post": post, "items": items, "count": count, "state": state, "rules": rules,
                 "limit": BODY_LIMIT, "reader_may": may_comment(rules=rules, commenter=None),
                 "thread_html": thread_html(items, gravatar=rules.gravatar), "post_likes": 0},
                request=request,
            )  # fmt: skip
            t3 = time.perf_counter()
            query.append(t1 - t0)
            tree.append(t2 - t1)
            template.append(t3 - t2)
            whole.append(t3 - t0)
        # How long the thread's one query takes in the database alone.
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM comments_comment "
                "WHERE post_id = %s AND status IN ('approved', 'deleted')",
                [post_id],
            )
            sql_ms = cursor.fetchone()[0][0]["Execution Time"]
    ms = lambda xs: 1000 * statistics.median(xs)  # noqa: E731
    return {"post+rules": ms(query), "thread query+tree": ms(tree), "template": ms(template),
            "total": ms(whole), "sql": sql_ms}  # fmt: skip


# --- measuring ----------------------------------------------------------------------------


def fragment_latency(
    port: int, path: str, *, samples: int, before=None, label: str
) -> tuple[list[float], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": HOST, "User-Agent": BROWSER_UA}
    times, body = [], b""
    for n in range(samples):
        if before is not None:
            before()
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        times.append(1000 * (time.perf_counter() - t0))
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")
        if n % 20 == 0 or n == samples - 1:
            progress(f"  {label}", n + 1, samples)
    conn.close()
    return times, body


class Poster:
    """--clients threads posting comments as JSON, each comment from the next member on its
    own address; `rate` (comments/s over all clients) paces them, None is as fast as they go."""

    def __init__(self, port: int, data: dict, *, clients: int, rate: float | None = None):
        from comments import tokens

        self.port, self.data, self.clients, self.rate = port, data, clients, rate
        self.tokens = tokens
        self.path = f"/comments/{data['post_id']}/post/"
        self.turn = itertools.count()
        self.lock = threading.Lock()
        self.statuses: dict[int, int] = {}
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.rng = random.Random(7)

    def _one(self, conn: http.client.HTTPConnection, n: int) -> None:
        member = n % len(self.data["cookies"])
        ip = f"10.{1 + member // 250}.{member % 250}.{1 + n % 200}"
        payload = {
            "body": f"Posted comment {n}: " + " ".join(self.rng.choice(WORDS) for _ in range(25)),
            # issued 10 s ago: past the form's minimum time to submit (services.MIN_SECONDS)
            "token": self.tokens.form_token_make(schema=self.data["schema"], now=time.time() - 10),
        }
        if n % 4 == 0:
            payload["parent"] = str(self.rng.choice(self.data["tops"]))
        headers = {
            "Host": HOST, "Origin": ORIGIN, "Content-Type": "application/json",
            "User-Agent": BROWSER_UA, "X-Forwarded-For": ip,
            "Cookie": f"quire_member={self.data['cookies'][member]}",
        }  # fmt: skip
        t0 = time.perf_counter()
        conn.request("POST", self.path, json.dumps(payload), headers=headers)
        response = conn.getresponse()
        body = response.read()
        took = 1000 * (time.perf_counter() - t0)
        with self.lock:
            self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
            if response.status == 201:
                self.latencies.append(took)
            elif len(self.errors) < 3:
                self.errors.append(f"{response.status}: {body[:200]!r}")

    def _loop(self, start: float, stop: float) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while True:
            with self.lock:
                n = next(self.turn)
            if self.rate:
                due = start + n / self.rate
                if due >= stop:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            elif time.monotonic() >= stop:
                break
            try:
                self._one(conn, n)
            except (OSError, http.client.HTTPException) as exc:
                with self.lock:
                    self.statuses[-1] = self.statuses.get(-1, 0) + 1
                    if len(self.errors) < 3:
                        self.errors.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.close()

    def run(self, seconds: float, label: str) -> dict[str, float]:
        start = time.monotonic()
        stop = start + seconds
        threads = [threading.Thread(target=self._loop, args=(start, stop), daemon=True)
                   for _ in range(self.clients)]  # fmt: skip
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            done = min(seconds, time.monotonic() - start)
            with self.lock:
                ok = self.statuses.get(201, 0)
            progress(f"  {label}: {ok:,} accepted; seconds", int(done), int(seconds))
            time.sleep(0.5)
        for t in threads:
            t.join()
        progress(
            f"  {label}: {self.statuses.get(201, 0):,} accepted; seconds",
            int(seconds),
            int(seconds),
        )
        elapsed = time.monotonic() - start
        ok = self.statuses.get(201, 0)
        lat = self.latencies or [0.0]
        return {
            "accepted": ok,
            "per_s": ok / elapsed,
            "p50": percentile(lat, 50),
            "p95": percentile(lat, 95),
            "p99": percentile(lat, 99),
            "other": {k: v for k, v in self.statuses.items() if k != 201},
            "errors": self.errors,
        }


def with_readers(servers, poster: Poster, *, seconds: float, connections: int, label: str):
    """Posting and wrk on the post page over the same seconds."""
    result: dict = {}

    def readers() -> None:
        result["readers"] = wrk(
            servers, f"/{SLUG}/", seconds=seconds, connections=connections, warm=0
        )

    before = servers.cpu()
    reader_thread = threading.Thread(target=readers)
    reader_thread.start()
    result["posts"] = poster.run(seconds, label)
    reader_thread.join()
    result["cpu"] = cpu_spent(before, servers.cpu())
    return result


def queued(env: dict[str, str]) -> int:
    """Tasks waiting in the broker's `default` queue."""
    import redis

    return int(redis.Redis.from_url(env["CELERY_BROKER_URL"]).llen("default"))


def queue_empty(env: dict[str, str]) -> None:
    import redis

    redis.Redis.from_url(env["CELERY_BROKER_URL"]).delete("default")


def drain(env: dict[str, str], *, timeout: float, label: str) -> float:
    """Wait for the worker to empty the `default` queue; the seconds it took."""
    started = time.monotonic()
    first = queued(env)
    while time.monotonic() - started < timeout:
        left = queued(env)
        progress(f"  {label}", first - left, max(first, 1))
        if not left:
            break
        time.sleep(0.5)
    else:
        print(file=sys.stderr)
    time.sleep(1)  # the last task taken is still running
    return time.monotonic() - started


def wait_for_checks(tenant, post_id: int, *, timeout: float) -> tuple[float, dict]:
    """Seconds until no comment waits on the spam check (or `timeout`), and the tally."""
    started = time.monotonic()
    tally = comment_tally(tenant, post_id)
    total = sum(tally.values())
    while time.monotonic() - started < timeout:
        tally = comment_tally(tenant, post_id)
        waiting = tally.get("pending (spam check)", 0)
        progress("  spam checks done", total - waiting, total)
        if not waiting:
            break
        time.sleep(0.5)
    else:
        print(file=sys.stderr)
    return time.monotonic() - started, tally


# --- the run ------------------------------------------------------------------------------


def environment(args, redis_port: int | None, akismet_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", "bench-only-secret")
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    env["DATABASE_URL"] = urlparse(base)._replace(path=f"/{args.database}").geturl()
    if redis_port is not None:
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{redis_port}/1"
    else:  # the shared Redis: databases 4 and 5 (the other benches use 2-3, 7-8, 10-15)
        redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4").rsplit("/", 1)[0]
        env["REDIS_URL"], env["CELERY_BROKER_URL"] = f"{redis}/4", f"{redis}/5"
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PLATFORM_DOMAIN": "localhost",
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "QUIRE_RATE_COMMENT": RATE_COMMENT,
        "QUIRE_AKISMET_URL": akismet_url,
        # The author's notification mails are built and dropped (no SMTP server here).
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    return env


def ensure_database(env: dict[str, str]) -> None:
    import psycopg2

    url = urlparse(env["DATABASE_URL"])
    name = url.path.lstrip("/")
    conn = psycopg2.connect(url._replace(path="/postgres").geturl())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   capture_output=True, text=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=5, help="seconds per page round")
    parser.add_argument("--rounds", type=int, default=4, help="on/off rounds (ABBA)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--samples", type=int, default=200, help="fragment requests (cold)")
    parser.add_argument("--post-seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8, help="concurrent posting clients")
    parser.add_argument("--database", default="bench_comments")
    parser.add_argument("--parts", default="1,2,3", help="which parts to run, e.g. 3")
    parser.add_argument(
        "--check-seconds", type=float, default=25,
        help="how long to watch the spam checks after posting stops",
    )  # fmt: skip
    parser.add_argument(
        "--paced", type=float, default=50, help="comments/s of the paced leg (0: none)"
    )
    args = parser.parse_args()
    args.parts = {int(p) for p in args.parts.split(",")}
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    began = time.monotonic()
    from tests.support.akismet import KEY, FakeAkismet

    akismet = FakeAkismet().start()
    redis_server, redis_port = (None, None)
    if "REDIS_URL" not in os.environ and shutil.which("redis-server"):
        redis_server, redis_port = private_redis()
    env = environment(args, redis_port, akismet.url)
    tmp = Path(tempfile.mkdtemp(prefix="quire-comments-"))
    servers = Servers(env, redis_server.pid if redis_server else None, tmp)
    try:
        run(args, env, servers, akismet, KEY)
    finally:
        servers.stop()
        akismet.stop()
        if redis_server is not None:
            redis_server.terminate()
            redis_server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"\n(whole run: {time.monotonic() - began:.0f} s)")


def run(args, env, servers: Servers, akismet, akismet_key: str) -> None:
    step(f"database {args.database}: migrating (the first run takes a minute)...")
    ensure_database(env)
    manage(env, "migrate_schemas", "--noinput", "-v", "0")
    manage(env, "ensure_template")
    django_setup(env)
    step(f"seeding the blog, one post with {COMMENTS} comments and {MEMBERS:,} members...")
    data = seed()
    tenant, post_id = data["tenant"], data["post_id"]
    page, fragment, me = f"/{SLUG}/", f"/comments/{post_id}/", f"/comments/{post_id}/me/"
    threads = os.environ.get("GUNICORN_THREADS", "4")
    workers = os.environ.get("WEB_CONCURRENCY") or os.cpu_count()
    step(f"starting gunicorn (config/gunicorn.py, {workers} workers x {threads} threads) on "
         f":{servers.port}, and a Celery worker...")  # fmt: skip
    servers.start()
    _, on_fragment, _ = get(servers.port, fragment)
    count = re.search(rb'id="comments-title">(\d+) comment', on_fragment)
    said = count.group(1).decode() if count else "?"
    print(f"post /{SLUG}/ (id {post_id}): {COMMENTS} approved comments, {data['replies']} of "
          f"them replies ({data['deep']} replies to replies); the fragment says {said} "
          f"comments, {len(on_fragment):,} B")  # fmt: skip
    out = {"data": data, "workers": workers, "threads": threads, "fragment_bytes": len(on_fragment)}

    if 1 in args.parts:  # the cached post page, comments on and off
        sizes: dict[str, bytes] = {}
        rounds: dict[str, list[dict]] = {"on": [], "off": []}
        order = [s for n in range(args.rounds) for s in (("on", "off"), ("off", "on"))[n % 2]]
        # For information: what else a reader's visit asks for (comments.js).
        extra = [("on", fragment, "fragment, warm"), ("on", me, "/me/, per reader"),
                 ("off", fragment, "fragment, policy off (empty)")]  # fmt: skip
        total = len(order) + len(extra)
        for number, (state, path, label) in enumerate(
            [(s, page, "post page") for s in order] + extra, 1
        ):
            rules_set(tenant, policy="members" if state == "on" else "off")
            step(f"[1: {number}/{total}] {label}, comments {state}: wrk {args.duration:g} s...")
            status, body, _ = get(servers.port, path)
            assert status == 200, (path, status)
            if path == page:
                sizes.setdefault(state, body)
            figures = wrk(servers, path, seconds=args.duration, connections=args.connections)
            if path == page:
                rounds[state].append(figures)
            else:
                out.setdefault("paths", []).append((label, state, figures, len(body)))
        rules_set(tenant, policy="members")
        out |= {"rounds": rounds, "same_bytes": sizes["on"] == sizes["off"],
                "page_bytes": len(sizes["on"])}  # fmt: skip

    if 2 in args.parts:  # the fragment at 500 comments: cold and warm
        step(f"[2] GET {fragment}: {args.samples} cold (thread retired before each), then "
             f"{args.samples * 5} warm...")  # fmt: skip
        cold, cold_body = fragment_latency(
            servers.port, fragment, samples=args.samples, label="cold",
            before=lambda: thread_retire(tenant, post_id),
        )  # fmt: skip
        warm, warm_body = fragment_latency(
            servers.port, fragment, samples=args.samples * 5, label="warm"
        )
        out |= {"cold": cold, "warm": warm, "same_fragment": cold_body == warm_body,
                "split": cold_split(tenant, post_id)}  # fmt: skip

    if 3 in args.parts:  # sustained posting, with readers
        half = args.post_seconds / 2
        rules_set(tenant, policy="members", moderation="none", akismet_key="")
        get(servers.port, page)
        step(f"[3: 1/7] readers alone: wrk on the post page {half:g} s...")
        out["alone_before"] = wrk(servers, page, seconds=half, connections=args.connections)
        step(f"[3: 2/7] posting, no Akismet key: {args.clients} clients + readers, "
             f"{args.post_seconds:g} s...")  # fmt: skip
        plain = with_readers(servers, Poster(servers.port, data, clients=args.clients),
                             seconds=args.post_seconds, connections=args.connections,
                             label="no key")  # fmt: skip
        plain["queued_at_end"] = queued(env)
        plain["tally"] = comment_tally(tenant, post_id)
        step("[3: 3/7] letting the worker finish the notification tasks...")
        before = servers.cpu()
        plain["drain_s"] = drain(env, timeout=30, label="tasks done")
        queue_empty(env)
        plain["drain_cpu"] = cpu_spent(before, servers.cpu())["worker"]
        posted_remove(tenant, post_id)
        if args.paced:
            step(f"[3: 4/7] posting paced at {args.paced:g}/s, no Akismet key, + readers, "
                 f"{args.post_seconds:g} s...")  # fmt: skip
            paced = with_readers(
                servers, Poster(servers.port, data, clients=args.clients, rate=args.paced),
                seconds=args.post_seconds, connections=args.connections, label="paced",
            )  # fmt: skip
            paced["drain_s"] = drain(env, timeout=30, label="tasks done")
            queue_empty(env)
            out["paced"] = paced
            posted_remove(tenant, post_id)
        step(f"[3: 5/7] posting, Akismet key (the stand-in, {akismet.url}): {args.clients} "
             f"clients + readers, {args.post_seconds:g} s...")  # fmt: skip
        rules_set(tenant, akismet_key=akismet_key)
        get(servers.port, page)  # the rules retired the blog's pages: render it again
        checks_before = len(akismet.at("/1.1/comment-check"))
        keyed = with_readers(servers, Poster(servers.port, data, clients=args.clients),
                             seconds=args.post_seconds, connections=args.connections,
                             label="Akismet key")  # fmt: skip
        keyed["checked_in_window"] = len(akismet.at("/1.1/comment-check")) - checks_before
        keyed["tally"] = comment_tally(tenant, post_id)
        keyed["queued_at_end"] = queued(env)
        step("[3: 6/7] waiting for the worker's spam checks (and the mails they lead to)...")
        before = servers.cpu()
        keyed["checks_s"], keyed["tally_after"] = wait_for_checks(
            tenant, post_id, timeout=args.check_seconds
        )
        keyed["drain_cpu"] = cpu_spent(before, servers.cpu())["worker"]
        keyed["checked"] = len(akismet.at("/1.1/comment-check")) - checks_before
        keyed["left"] = queued(env)
        queue_empty(env)  # what the worker did not reach in time is dropped (the bench's own)
        posted_remove(tenant, post_id)
        rules_set(tenant, akismet_key="")
        get(servers.port, page)
        step(f"[3: 7/7] readers alone again: wrk {half:g} s...")
        out["alone_after"] = wrk(servers, page, seconds=half, connections=args.connections)
        out |= {"plain": plain, "keyed": keyed}
    report(args, out)


def report(args, out: dict) -> None:
    data = out["data"]
    mean = lambda rows, k: statistics.mean(r[k] for r in rows)  # noqa: E731
    verdicts = []
    print(f"\n=== bench/comments.py: {os.cpu_count()} CPUs, gunicorn config/gunicorn.py "
          f"({out['workers']} workers x {out['threads']} threads), wrk 2 threads x "
          f"{args.connections} connections; post {data['post_id']} with {COMMENTS} comments "
          f"({data['replies']} replies, {data['deep']} of them to replies) ===")  # fmt: skip

    if "rounds" in out:
        rounds = out["rounds"]
        pairs = list(zip(rounds["on"], rounds["off"], strict=True))
        capacity = [off["cpu_ms"] / on["cpu_ms"] for on, off in pairs]
        speed = [on["rps"] / off["rps"] for on, off in pairs]
        rows = [[f"comments {state}", f"{mean(rs, 'rps'):,.0f}",
                 f"{1000 / mean(rs, 'cpu_ms'):,.0f}", f"{mean(rs, 'cpu_ms') * 1000:,.0f}",
                 f"{mean(rs, 'p50'):.2f}", f"{mean(rs, 'p99'):.2f}"]
                for state, rs in rounds.items()]  # fmt: skip
        print_table(
            f"1. Cached post page /{SLUG}/: comments on (policy members, {COMMENTS} comments) "
            f"vs off (policy off, the same post), {args.rounds} ABBA rounds x "
            f"{args.duration:g} s, means",
            ["state", "req/s", "req per CPU s", "CPU µs/req", "p50 ms", "p99 ms"], rows,
        )  # fmt: skip
        ok = min(statistics.median(capacity), statistics.median(speed)) >= TARGET_PAGE_RATIO
        verdicts.append((f"1. post page on/off >= {TARGET_PAGE_RATIO}", ok))
        print(f"  on/off, requests per CPU second (gunicorn + Redis): median "
              f"{statistics.median(capacity):.3f} (rounds "
              f"{', '.join(f'{c:.3f}' for c in capacity)})")  # fmt: skip
        print(f"  on/off, req/s: median {statistics.median(speed):.3f} (rounds "
              f"{', '.join(f'{x:.3f}' for x in speed)})")  # fmt: skip
        print(f"  target >= {TARGET_PAGE_RATIO}: {'met' if ok else 'NOT met'}")
        print(f"  The page's bytes with comments on and off: "
              f"{'identical' if out['same_bytes'] else 'DIFFERENT'} ({out['page_bytes']:,} B). "
              "The thread is not part of the page: comments.js fetches /comments/<id>/ once "
              "the page has loaded, so on and off are the same page-cache hit and differ by "
              "nothing on this path. 'Off' is the policy set to off on the same post (same "
              "URL, cache entry and data), fairer than another post without comments.")  # fmt: skip
        page_cpu = mean(rounds["on"], "cpu_ms")
        rows, visit = [], {"on": page_cpu, "off": mean(rounds["off"], "cpu_ms")}
        for label, state, figures, size in out["paths"]:
            if not label.startswith("/me/"):  # asked only by signed-in readers and commenters
                visit[state] += figures["cpu_ms"]
            rows.append([label, state, f"{size:,}", f"{figures['rps']:,.0f}",
                         f"{figures['cpu_ms'] * 1000:,.0f}", f"{figures['p99']:.1f}"])  # fmt: skip
        print_table(
            "   What else a visit asks for (comments.js: the fragment; /me/ only for a reader "
            "signed in or with comments of their own, or once they start writing), for information",
            ["request", "comments", "bytes", "req/s", "CPU µs/req", "p99 ms"], rows,
        )  # fmt: skip
        print(f"  CPU per anonymous visit: comments on (page + fragment) {visit['on'] * 1000:,.0f} "
              f"µs, off (page + empty fragment) {visit['off'] * 1000:,.0f} µs: visits per CPU "
              f"second on/off {visit['off'] / visit['on']:.2f}")  # fmt: skip

    if "cold" in out:
        cold, warm, split = out["cold"], out["warm"], out["split"]
        rows = [
            [
                name,
                str(len(t)),
                f"{percentile(t, 50):.2f}",
                f"{percentile(t, 95):.2f}",
                f"{percentile(t, 99):.2f}",
                f"{max(t):.1f}",
            ]
            for name, t in (("cold (retired before each)", cold), ("warm (cached)", warm))
        ]
        print_table(
            f"2. GET /comments/{data['post_id']}/ at {COMMENTS} comments "
            f"({out['fragment_bytes']:,} B), one request at a time",
            ["case", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows,
        )  # fmt: skip
        cold_ok = percentile(cold, 95) < TARGET_COLD_P95_MS
        warm_ok = percentile(warm, 95) < TARGET_COLD_P95_MS
        verdicts.append((f"2. fragment p95 < {TARGET_COLD_P95_MS:.0f} ms, cold", cold_ok))
        verdicts.append((f"2. fragment p95 < {TARGET_COLD_P95_MS:.0f} ms, warm", warm_ok))
        print(f"  target p95 < {TARGET_COLD_P95_MS:.0f} ms: cold {'met' if cold_ok else 'NOT met'}"
              f", warm {'met' if warm_ok else 'NOT met'}; cold and warm bytes "
              f"{'identical' if out['same_fragment'] else 'DIFFERENT'}")  # fmt: skip
        print(f"  a cold render in this process (median of 30): post + rules "
              f"{split['post+rules']:.1f} ms, the thread's query and tree "
              f"{split['thread query+tree']:.1f} ms (SQL {split['sql']:.1f} ms of it, in the "
              f"database), the markup {split['template']:.1f} ms; total "
              f"{split['total']:.1f} ms")  # fmt: skip

    if "plain" in out:
        alone = (out["alone_before"]["rps"] + out["alone_after"]["rps"]) / 2
        rows = [
            [
                "readers alone, before / after",
                "",
                "",
                "",
                "",
                f"{out['alone_before']['rps']:,.0f} / {out['alone_after']['rps']:,.0f}",
                "",
                f"{out['alone_before']['p99']:.1f} / {out['alone_after']['p99']:.1f}",
            ]
        ]
        legs = [("moderation none, no Akismet key", out["plain"]),
                ("moderation none, Akismet key", out["keyed"])]  # fmt: skip
        if "paced" in out:
            legs.insert(1, (f"moderation none, paced at {args.paced:g}/s", out["paced"]))
        for name, leg in legs:
            p, r = leg["posts"], leg["readers"]
            rows.append([name, f"{p['accepted']:,}", f"{p['per_s']:.1f}", f"{p['p50']:.0f}",
                         f"{p['p95']:.0f}", f"{r['rps']:,.0f}", f"{r['rps'] / alone:.2f}",
                         f"{r['p99']:.1f}"])  # fmt: skip
        print_table(
            f"3. Comments posted for {args.post_seconds:g} s by {args.clients} clients "
            f"({MEMBERS:,} members, an address each), wrk on the post page meanwhile",
            ["leg", "HTTP 201", "comments/s", "post p50 ms", "post p95 ms", "reader req/s",
             "vs alone", "reader p99 ms"], rows,
        )  # fmt: skip
        rows = []
        for name, leg in legs:
            cpu = leg["cpu"]
            busy = cpu["machine busy"] / cpu["machine"]
            ours = ("gunicorn", "worker", "postgres", "redis", "bench clients", "wrk")
            others = cpu["machine busy"] - sum(cpu[k] for k in ours)
            rows.append([name.split(", ")[1], f"{busy:.0%}"]
                        + [f"{cpu[k]:.1f}" for k in ours] + [f"{others:.1f}"])  # fmt: skip
        print_table(
            f"   CPU seconds over each {args.post_seconds:g} s leg ({os.cpu_count()} CPUs: "
            f"{args.post_seconds * os.cpu_count():g} s)",
            ["leg", "machine busy", "gunicorn", "worker", "postgres", "redis", "bench clients",
             "wrk", "the rest (kernel, other users)"], rows,
        )  # fmt: skip
        plain, keyed = out["plain"], out["keyed"]
        for name, leg in legs:
            if leg["posts"]["other"]:
                print(f"  {name}: other answers {leg['posts']['other']}: "
                      f"{leg['posts']['errors']}")  # fmt: skip
        print(f"  no key: comments at the end {plain['tally']}; {plain['queued_at_end']:,} "
              f"tasks still queued, done {plain['drain_s']:.0f} s later (worker CPU "
              f"{plain['drain_cpu']:.1f} s)")  # fmt: skip
        after = keyed["checked"] - keyed["checked_in_window"]
        each = 1000 * keyed["drain_cpu"] / max(after, 1)
        print(f"  Akismet key: comments at the end of posting {keyed['tally']} (accepted and "
              f"held for the check); {keyed['checked_in_window']:,} checks made during the "
              f"{args.post_seconds:g} s by the worker (one process, sharing the CPUs); "
              f"{after:,} in the {keyed['checks_s']:.0f} s after, alone: "
              f"{after / keyed['checks_s']:.1f} checks/s, {each:.0f} ms of worker CPU each "
              f"(the check, then the approval's notification task); then "
              f"{keyed['tally_after']}, {keyed['left']:,} tasks left, dropped")  # fmt: skip
        post_ok = all(  # the paced leg offers only the target rate: not a measure of it
            leg["posts"]["per_s"] >= TARGET_POSTS_PER_S for _, leg in (legs[0], legs[-1])
        )
        read_ok = all(leg["readers"]["rps"] >= (1 - TARGET_READER_SLOWDOWN) * alone
                      for _, leg in legs)  # fmt: skip
        verdicts.append((f"3. >= {TARGET_POSTS_PER_S:.0f} comments/s accepted", post_ok))
        verdicts.append((f"3. readers slowed by <= {TARGET_READER_SLOWDOWN:.0%}", read_ok))

    print(
        "\nStock django-tenants: no figure. It has no comments; the post page is the same "
        "page-cache hit that bench/read_throughput compares with stock django-tenants."
    )
    print("Targets: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}"
                                  for name, ok in verdicts))  # fmt: skip
    print(f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
