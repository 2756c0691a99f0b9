"""The measurements of `bench/fleet.py run` (see bench/fleet.py for what each case is)."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.common import percentile
from bench.fleet import PYTHON, ROOT, blog_count, environment, psql, seed
from tests.support.net import free_port

GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
CASES = ["front", "random", "cold", "rss", "migrate", "signup", "publish"]
REDIS_CACHE_DB = "14"

LUA_ONE = """
request = function()
  wrk.headers["Host"] = "fleet0.localhost"
  return wrk.format("GET", "/")
end
"""
LUA_RANDOM = """
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  wrk.headers["Host"] = "fleet" .. math.random(0, {last}) .. ".localhost"
  return wrk.format("GET", "/")
end
"""


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def get(port: int, host: str, path: str = "/", timeout: float = 30) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def wait_for(port: int, what: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"{what} exited while starting (code {process.returncode})")
        try:
            if get(port, "fleet0.localhost", timeout=5)[0] == 200:
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise SystemExit(f"{what} on port {port} did not answer 200 for fleet0.localhost")


@contextmanager
def running(argv: list, what: str, port: int, **kwargs):
    process = subprocess.Popen(argv, **kwargs)
    try:
        wait_for(port, what, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def gunicorn(env: dict, port: int, *, settings: str = "config.settings", **extra: str):
    argv = [GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
            "config.wsgi:application"]  # fmt: skip
    env = env | {"DJANGO_SETTINGS_MODULE": settings} | extra
    return running(argv, f"gunicorn ({settings})", port, cwd=ROOT, env=env)


@contextmanager
def varnish(tmp: Path, backend_port: int, port: int):
    folder = tmp / f"varnish-{port}"
    folder.mkdir()
    os.chmod(tmp, 0o755)
    os.chmod(folder, 0o755)
    vcl = (ROOT / "varnish" / "quire.vcl").read_text()
    vcl = vcl.replace('"8000";  # backend port', f'"{backend_port}";')
    (folder / "quire.vcl").write_text(vcl)
    os.chmod(folder / "quire.vcl", 0o644)
    argv = [shutil.which("varnishd") or "/usr/sbin/varnishd", "-F", "-n", f"{folder}/n",
            "-a", f"127.0.0.1:{port}", "-f", f"{folder}/quire.vcl", "-s", "malloc,1g",
            "-T", "none", "-p", "thread_pool_min=20"]  # fmt: skip
    with running(argv, "varnishd", port, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        yield


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if found:
        return found
    say("nginx is missing: installing Debian's nginx-light")
    apt = ["apt-get"] if os.geteuid() == 0 else ["sudo", "apt-get"]
    subprocess.run([*apt, "update", "-q"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        [*apt, "install", "-y", "-q", "--no-install-recommends", "nginx-light"],
        check=True, stdout=subprocess.DEVNULL,
        env=os.environ | {"DEBIAN_FRONTEND": "noninteractive"},
    )  # fmt: skip
    return shutil.which("nginx") or "/usr/sbin/nginx"


@contextmanager
def nginx(tmp: Path, port: int, body: bytes, content_type: str):
    """nginx serving `body` as a static file at / (what "the speed of static files" means)."""
    folder = tmp / "nginx"
    (folder / "www").mkdir(parents=True)
    (folder / "www" / "index.html").write_bytes(body)
    (folder / "nginx.conf").write_text(f"""
daemon off; worker_processes 2; pid {folder}/nginx.pid; error_log {folder}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path {folder}/tmp; proxy_temp_path {folder}/tmp;
  fastcgi_temp_path {folder}/tmp; uwsgi_temp_path {folder}/tmp; scgi_temp_path {folder}/tmp;
  server {{
    listen 127.0.0.1:{port};
    root {folder}/www;
    location = / {{ default_type "{content_type}"; try_files /index.html =404; }}
  }}
}}
""")
    argv = [nginx_binary(), "-c", f"{folder}/nginx.conf", "-p", str(folder)]
    with running(argv, "nginx", port):
        yield


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(port: int, script: Path, *, seconds: int, connections: int = 8) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}/"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "errors": int(errors.group(1)) if errors else 0,
        "socket": socket_errors.group(1) if socket_errors else "",
    }


def visit(port: int, blogs: list[int], *, concurrency: int, label: str) -> list[float]:
    """GET / of each blog once, `concurrency` at a time; returns each latency in ms."""
    done = [0]
    latencies: list[float] = []
    failures: list[str] = []

    def one(n: int) -> None:
        started = time.perf_counter()
        status, _body, _headers = get(port, f"fleet{n}.localhost")
        latencies.append((time.perf_counter() - started) * 1000)
        if status != 200:
            failures.append(f"fleet{n}: {status}")
        done[0] += 1

    with ThreadPoolExecutor(concurrency) as pool:
        futures = [pool.submit(one, n) for n in blogs]
        last = time.monotonic()
        for future in futures:
            future.result()
            if time.monotonic() - last > 10:
                last = time.monotonic()
                say(f"  {label}: {done[0]}/{len(blogs)}")
    if failures:
        raise SystemExit(f"{len(failures)} blogs did not answer 200, e.g. {failures[:3]}")
    return latencies


def backend_rss(database: str) -> tuple[float, float, int]:
    """Largest VmRSS and RssAnon (MB) among client backends on `database`, and their count."""
    pids = psql(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
        database,
    ).split()
    rss, anon = [0.0], [0.0]
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        rss.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
        anon.append(int(re.search(r"RssAnon:\s+(\d+)", status).group(1)) / 1024)
    return max(rss), max(anon), len(pids)


def flush_page_cache() -> None:
    subprocess.run(["redis-cli", "-n", REDIS_CACHE_DB, "FLUSHDB"], check=True, capture_output=True)


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, what: str, quire: str, compare: str, target: str, verdict: str = "") -> None:
        self.rows.append((what, quire, compare, target, verdict))
        say(f"RESULT {what}: {quire} | {compare} | {target} {verdict}")

    def print(self, title: str) -> None:
        header = ("figure", "quire", "compared with", "target", "")
        widths = [max(len(r[i]) for r in [header, *self.rows]) for i in range(5)]
        print(f"\n{title}")
        print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        print("  ".join("-" * w for w in widths))
        for row in self.rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def fmt(f: dict) -> str:
    extra = f", {f['errors']} non-2xx" if f["errors"] else ""
    extra += f", socket errors {f['socket']}" if f["socket"] else ""
    return f"{f['rps']:,.0f} req/s, p99 {f['p99']:.1f} ms{extra}"


# --- cases ---------------------------------------------------------------------------------


def case_front(ctx, table: Table) -> None:
    """Home page of one blog through Varnish vs nginx serving its bytes; stock cache_page too."""
    port, vport = free_port(), free_port()
    with gunicorn(ctx.env, port), varnish(ctx.tmp, port, vport):
        for _ in range(3):
            status, body, headers = get(vport, "fleet0.localhost")
        say(f"front: varnish answers {status}, X-Cache-ish age {headers.get('Age')}, {len(body)} B")
        varnish_f = wrk(vport, ctx.one, seconds=ctx.seconds)
    nport = free_port()
    with nginx(ctx.tmp, nport, body, headers.get("Content-Type", "text/html")):
        same = get(nport, "fleet0.localhost")[1] == body
        nginx_f = wrk(nport, ctx.one, seconds=ctx.seconds)
    ratio = varnish_f["rps"] / nginx_f["rps"]
    table.add(
        "home page, one blog: Varnish vs nginx static (same bytes)" + ("" if same else " (!)"),
        fmt(varnish_f),
        f"nginx {fmt(nginx_f)}; {ratio:.0%} of nginx",
        ">= 50% of nginx",
        verdict(ratio >= 0.5),
    )
    ctx.front_rps = varnish_f["rps"]


def case_random(ctx, table: Table) -> None:
    """No front cache: gunicorn, one blog vs random blog over N warm blogs; stock beside."""
    for label, settings in (("quire", "config.settings"), ("stock", "bench.stock_cache_settings")):
        flush_page_cache()
        port = free_port()
        with gunicorn(ctx.env, port, settings=settings):
            say(f"random ({label}): warming all {ctx.blogs} blogs (each home page once) ...")
            started = time.monotonic()
            visit(port, list(range(ctx.blogs)), concurrency=4, label="warming")
            say(f"  warmed in {time.monotonic() - started:.0f} s")
            one = wrk(port, ctx.one, seconds=ctx.seconds)
            many = wrk(port, ctx.random, seconds=ctx.seconds)
        if label == "quire":
            ratio = many["rps"] / one["rps"]
            quire_one, quire_many = one, many
            table.add(
                f"gunicorn, random blog of {ctx.blogs:,} warm vs one blog",
                fmt(many),
                f"one blog {fmt(one)}; {ratio:.0%}",
                ">= 90% of one blog",
                verdict(ratio >= 0.9),
            )
        else:
            table.add(
                "stock django-tenants + cache_page, one blog / random warm",
                f"quire {quire_one['rps']:,.0f} / {quire_many['rps']:,.0f} req/s",
                f"stock {fmt(one)} / {fmt(many)}",
                "(comparison)",
            )


def case_cold(ctx, table: Table) -> None:
    """First visit to cold blogs: empty page cache, fresh server and database connections."""
    flush_page_cache()
    port = free_port()
    sample = list(range(1, ctx.blogs, max(1, ctx.blogs // ctx.cold_samples)))[: ctx.cold_samples]
    with gunicorn(ctx.env, port):
        say(f"cold: first visit to {len(sample)} blogs, 2 at a time ...")
        latencies = visit(port, sample, concurrency=2, label="cold visits")
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    table.add(
        f"first visit to a cold blog ({len(sample)} blogs, 2 clients)",
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms",
        "-",
        "p99 < 100 ms",
        verdict(p99 < 100),
    )


def case_rss(ctx, table: Table) -> None:
    """PostgreSQL backend memory after minutes of random traffic (recycling at the default).

    The page cache is emptied first, so every request renders and queries its blog's schema:
    the worst case for the catalog caches a backend keeps (a warm page cache hardly queries)."""
    flush_page_cache()
    port = free_port()
    total = int(ctx.rss_minutes * 60)
    chunk = min(30, total)
    peak = 0.0
    with gunicorn(ctx.env, port):
        elapsed, requests = 0, 0.0
        while elapsed < total:
            seconds = min(chunk, total - elapsed)
            f = wrk(port, ctx.random, seconds=seconds)
            elapsed += seconds
            requests += f["rps"] * seconds
            rss, anon, count = backend_rss(ctx.database)
            peak = max(peak, rss)
            say(f"  rss: {elapsed}/{total} s, {f['rps']:.0f} req/s, backends {count}, "
                f"max RSS {rss:.0f} MB (anon {anon:.0f})")  # fmt: skip
        rss, anon, count = backend_rss(ctx.database)
    table.add(
        f"PostgreSQL backend RSS after {ctx.rss_minutes:g} min random traffic, pages uncached",
        f"max {rss:.0f} MB (anon {anon:.0f}), peak {peak:.0f} MB",
        f"{requests:,.0f} requests over {ctx.blogs:,} blogs",
        "< 150 MB",
        verdict(peak < 150),
    )


MIGRATION_ADD = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("blog", "{previous}")]
    operations = [
        migrations.AddField("blogsettings", "bench_{tag}", models.IntegerField(null=True)),
    ]
"""
MIGRATION_REMOVE = """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("blog", "{previous}")]
    operations = [migrations.RemoveField("blogsettings", "bench_{tag}")]
"""


def _migrations_env(ctx, tag: str) -> tuple[dict, Path]:
    """Settings whose blog migrations are the tree's plus the bench's (in a temporary module)."""
    folder = ctx.tmp / f"mig_{tag}"
    module = folder / "fleetbench_blog_migrations"
    module.mkdir(parents=True)
    for path in (ROOT / "blog" / "migrations").glob("*.py"):
        shutil.copy(path, module / path.name)
    (folder / "fleetbench_settings.py").write_text(
        "from config.settings import *  # noqa: F403\n"
        'MIGRATION_MODULES = {"blog": "fleetbench_blog_migrations"}\n'
    )
    env = ctx.env | {
        "DJANGO_SETTINGS_MODULE": "fleetbench_settings",
        "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}",
    }
    return env, module


def _leaf(module: Path) -> str:
    names = sorted(p.stem for p in module.glob("[0-9]*.py"))
    return names[-1]


@contextmanager
def workers(env: dict, tmp: Path, concurrency: int = 2):
    log = tmp / f"worker-{time.monotonic_ns()}.log"
    process = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "config", "worker", f"--concurrency={concurrency}",
         "-Q", "migrations", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-n", f"fleetbench-{os.getpid()}-{time.monotonic_ns()}@%h"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        time.sleep(4)
        if process.poll() is not None:
            raise SystemExit(f"celery worker died:\n{log.read_text()[-2000:]}")
        yield
    finally:
        process.terminate()
        process.wait(60)


def migrate_fleet(env: dict, *args: str) -> float:
    started = time.monotonic()
    subprocess.run([PYTHON, "manage.py", "migrate_fleet", *args], cwd=ROOT, env=env, check=True)
    return time.monotonic() - started


def case_migrate(ctx, table: Table) -> None:
    subprocess.run(
        ["redis-cli", "-n", ctx.env["CELERY_BROKER_URL"].rsplit("/", 1)[1], "DEL", "migrations"],
        check=True, capture_output=True,
    )  # fmt: skip
    say("migrate: migrate_fleet with nothing to apply ...")
    nothing = migrate_fleet(ctx.env)
    inline = migrate_fleet(ctx.env, "--inline")
    table.add(
        f"migrate_fleet, nothing to apply, {ctx.blogs:,} blogs",
        f"{nothing:.1f} s (--inline {inline:.1f} s)",
        "wall time of the command, Django start included",
        "< 15 s",
        verdict(max(nothing, inline) < 15),
    )
    tag = time.strftime("%Y%m%d%H%M%S")
    env, module = _migrations_env(ctx, tag)
    previous = _leaf(module)
    (module / f"9000_bench_{tag}_add.py").write_text(
        MIGRATION_ADD.format(previous=previous, tag=tag)
    )
    say(f"migrate: one additive migration (blogsettings.bench_{tag}) with 2 worker processes ...")
    with workers(env, ctx.tmp):
        added = migrate_fleet(env)
    (module / f"9001_bench_{tag}_remove.py").write_text(
        MIGRATION_REMOVE.format(previous=f"9000_bench_{tag}_add", tag=tag)
    )
    say("migrate: removing the column again (not part of the figure) ...")
    with workers(env, ctx.tmp):
        removed = migrate_fleet(env)
    table.add(
        f"migrate_fleet, one additive migration, {ctx.blogs:,} blogs, 2 worker processes",
        f"{added:.0f} s",
        f"removing it again: {removed:.0f} s",
        "< 120 s",
        verdict(added < 120),
    )


SIGNUP_CODE = """
import json, time
from django.db import transaction
from bench.common import percentile
from shared.accounts.models import User
from tenants import pool, services
out = {{}}
class Undo(Exception):
    pass
try:
    with transaction.atomic():
        # A new account, as at a signup (the seeding account owns every bench blog).
        owner = User.objects.create_user(email="signup-bench@example.org", password=None)
        pool.pool_fill(target={samples})
        for kind in ("pool", "inline"):
            times = []
            for i in range({samples}):
                started = time.perf_counter()
                services.tenant_provision(subdomain=f"signup-{{kind}}-{{i}}", name="S", owner=owner)
                times.append((time.perf_counter() - started) * 1000)
            out[kind] = percentile(times, 50)
        raise Undo
except Undo:
    pass
print("RESULT" + json.dumps(out))
"""


def _signup(env: dict, samples: int) -> dict:
    argv = [PYTHON, "-c", "import django; django.setup()\n" + SIGNUP_CODE.format(samples=samples)]
    out = subprocess.run(
        argv, cwd=ROOT, env=env | {"DJANGO_SETTINGS_MODULE": "config.settings"},
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(out.split("RESULT", 1)[1])


def case_signup(ctx, table: Table) -> None:
    small = f"{ctx.database}_100"
    say(f"signup: a 100-blog database ({small}) for comparison ...")
    seed(small, 100, 1)
    say(f"signup: {ctx.samples} signups from the pool and {ctx.samples} inline, rolled back ...")
    at_n = _signup(ctx.env, ctx.samples)
    at_100 = _signup(environment(small), ctx.samples)
    ratio = at_n["pool"] / at_100["pool"]
    table.add(
        f"signup provisioning p50 at {ctx.blogs:,} blogs vs 100",
        f"pool {at_n['pool']:.0f} ms, inline clone {at_n['inline']:.0f} ms",
        f"at 100: pool {at_100['pool']:.0f} ms, inline {at_100['inline']:.0f} ms",
        "unchanged",
        verdict(ratio < 1.5),
    )


PUBLISH_CODE = """
import json, time, urllib.request
from bench.common import percentile
from bench.fleet_seed import owner_get
from blog import services as blog_services
from blog.models import Post
from tenants.context import tenant_context
from tenants.models import Tenant
owner = owner_get()
tenant = Tenant.objects.get(subdomain="fleet1")
def page():
    headers = {{"Host": "fleet1.localhost"}}
    request = urllib.request.Request("http://127.0.0.1:{port}/", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode(), response.headers.get("X-Front-Cache")
times, hits = [], 0
with tenant_context(tenant):
    for i in range({samples} + 1):  # the first one (imports, connections) is not timed
        page(); body, cache = page()
        hits += cache == "HIT" and i > 0
        title = f"Fresh news {{time.time_ns()}}"
        started = time.perf_counter()
        post = blog_services.post_create(tenant=tenant, author=owner, title=title,
                                         body="Just published.", action="publish")
        while title not in page()[0]:
            if time.perf_counter() - started > 10:
                raise SystemExit("the new post was not visible through Varnish after 10 s")
        if i > 0:
            times.append((time.perf_counter() - started) * 1000)
        blog_services.post_delete(tenant=tenant, post=post)
print("RESULT" + json.dumps({{"p50": percentile(times, 50), "max": max(times), "hits": hits}}))
"""


def case_publish(ctx, table: Table) -> None:
    port, vport = free_port(), free_port()
    purge = {"QUIRE_VARNISH_URLS": f"http://127.0.0.1:{vport}"}
    with gunicorn(ctx.env, port, **purge), varnish(ctx.tmp, port, vport):
        code = "import django; django.setup()\n" + PUBLISH_CODE.format(
            port=vport, samples=ctx.samples // 2 or 1
        )
        out = subprocess.run(
            [PYTHON, "-c", code], cwd=ROOT,
            env=ctx.env | purge | {"DJANGO_SETTINGS_MODULE": "config.settings"},
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    result = json.loads(out.split("RESULT", 1)[1])
    table.add(
        "publish -> new post visible through Varnish",
        f"p50 {result['p50']:.0f} ms, max {result['max']:.0f} ms",
        f"home page was a Varnish hit before {result['hits']}/{ctx.samples // 2 or 1} publishes",
        "< 1 s",
        verdict(result["max"] < 1000),
    )


class Context:
    pass


def main(args) -> None:
    only = args.only.split(",") if args.only else CASES
    unknown = set(only) - set(CASES)
    if unknown:
        raise SystemExit(f"unknown case(s) {sorted(unknown)}; choose from {CASES}")
    have = blog_count(args.database)
    if have < args.blogs:
        raise SystemExit(
            f"{args.database} has {have} blogs, fewer than --blogs {args.blogs}: run "
            f"`.venv/bin/python bench/fleet.py seed --blogs {args.blogs}` first (resumable)"
        )
    ctx = Context()
    ctx.database, ctx.blogs, ctx.seconds = args.database, args.blogs, args.duration
    ctx.rss_minutes, ctx.samples, ctx.cold_samples = args.rss_minutes, args.samples, args.cold
    ctx.env = environment(args.database)
    table = Table()
    load_before = os.getloadavg()
    with ExitStack() as stack:
        ctx.tmp = Path(tempfile.mkdtemp(prefix="quire-fleet-"))
        stack.callback(shutil.rmtree, ctx.tmp, ignore_errors=True)
        ctx.one = ctx.tmp / "one.lua"
        ctx.one.write_text(LUA_ONE)
        ctx.random = ctx.tmp / "random.lua"
        ctx.random.write_text(LUA_RANDOM.replace("{last}", str(args.blogs - 1)))
        # The cold case first: nothing this run did has warmed anything yet.
        for name in ["cold", "front", "random", "rss", "signup", "publish", "migrate"]:
            if name in only:
                say(f"=== {name}")
                started = time.monotonic()
                globals()[f"case_{name}"](ctx, table)
                say(f"=== {name} done in {time.monotonic() - started:.0f} s")
    load_after = os.getloadavg()
    table.print(
        f"{args.blogs:,} blogs in {args.database}; gunicorn 2 workers, wrk 8 connections, "
        f"{args.duration} s per wrk figure; {os.cpu_count()} cores; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after (1 min), "
        f"{load_after[2]:.1f} (15 min)"
    )
    sys.stdout.flush()
