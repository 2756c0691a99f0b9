#!/usr/bin/env python3
"""Caddy's `ask` endpoint and reader pages through Caddy over HTTPS vs gunicorn directly.

Uses read_throughput's database and seeded `bench` blog (1,000 posts) and serves it with
gunicorn (2 workers). In the same run:
  ask     GET /_quire/ask?domain=bench.localhost  straight to gunicorn (what Caddy calls)
  ask     GET /_quire/ask?domain=<unknown>        the refusal (also cached)
  direct  GET / on bench.localhost                 gunicorn over plain HTTP
  caddy   GET / on bench.localhost                 Caddy (repo Caddyfile, internal CA,
                                                   on-demand TLS) over HTTPS -> gunicorn
Targets: ask p99 < 5 ms; Caddy keeps >= 80% of the direct req/s.

Usage: .venv/bin/python bench/https.py [--duration 10] [--connections 8]
"""

import argparse
import importlib.machinery
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_loader = importlib.machinery.SourceFileLoader(
    "read_throughput", str(ROOT / "bench" / "read_throughput")
)
rt = _loader.load_module()  # read_throughput has no .py suffix; reuse its helpers
ASK_P99_MS, CADDY_RATIO = 5.0, 0.8


def serve(env: dict[str, str], port: int) -> subprocess.Popen:
    """gunicorn with the project's settings (read_throughput.serve, more patient at start)."""
    import urllib.request

    server = subprocess.Popen(
        [str(rt.GUNICORN), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "config.wsgi:application"],
        cwd=ROOT, env=env | {"DJANGO_SETTINGS_MODULE": "config.settings"},
    )  # fmt: skip
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": rt.HOST})
    for _ in range(150):
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer on port {port}")


IN_PROCESS = """
import io, time
from django.core.wsgi import get_wsgi_application
app = get_wsgi_application()
def call(domain):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/_quire/ask",
               "QUERY_STRING": "domain=" + domain,
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000",
               "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http",
               "wsgi.errors": io.StringIO()}
    status = []
    b"".join(app(environ, lambda s, h: status.append(s)))
    return status[0]
for domain in ("bench.localhost", "nobody.example.com", "localhost"):
    call(domain)
    times = []
    for _ in range(5000):
        start = time.perf_counter()
        call(domain)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p50, p99 = times[len(times) // 2], times[int(len(times) * 0.99)]
    print(f"{domain} {call(domain)[:3]} {p50:.3f} {p99:.3f}")
"""


def in_process_ask(env: dict[str, str]) -> list[tuple[str, str, float, float]]:
    """The ask endpoint's own cost: the whole WSGI stack called in one process (no network,
    no queueing behind other requests), 5,000 calls per name."""
    out = rt.manage(env, "shell", "-c", IN_PROCESS)
    rows = []
    for line in out.strip().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] in ("bench.localhost", "nobody.example.com", "localhost"):
            domain, status, p50, p99 = parts
            rows.append((domain, status, float(p50), float(p99)))
    return rows


def caddy_start(upstream: str, https_port: int, workdir: Path) -> subprocess.Popen:
    # The repo's Caddyfile. wrk connects to 127.0.0.1 and sends no SNI (bench.localhost does
    # not resolve outside browsers), so Caddy would ask Quire about "127.0.0.1" and be told
    # no: a certificate for the IP is added. Requests still carry Host: bench.localhost and go
    # through the Caddyfile's catch-all site.
    text = (ROOT / "Caddyfile").read_text()
    text += "\nhttps://127.0.0.1 {\n\ttls internal\n\treverse_proxy {$QUIRE_UPSTREAM}\n}\n"
    config = workdir / "Caddyfile"
    config.write_text(text)
    env = {
        "PATH": os.environ["PATH"], "HOME": str(workdir), "XDG_DATA_HOME": str(workdir),
        "XDG_CONFIG_HOME": str(workdir), "QUIRE_UPSTREAM": upstream, "CADDY_TLS": "internal",
        "CADDY_HTTPS_PORT": str(https_port), "CADDY_HTTP_PORT": str(https_port + 1),
    }  # fmt: skip
    caddy = shutil.which("caddy") or "/usr/bin/caddy"
    proc = subprocess.Popen(
        [caddy, "run", "--config", str(config), "--adapter", "caddyfile"],
        env=env, stdout=subprocess.DEVNULL, stderr=(workdir / "caddy.log").open("w"),
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("Caddy did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    env = rt.environment() | {"LOG_LEVEL": "ERROR"}  # the refused asks would log 404s
    wrk = rt.ensure_wrk()
    print("preparing the database and the bench blog...", flush=True)
    rt.ensure_database(env)
    rt.manage(env, "migrate_schemas", "--noinput", "-v", "0")
    rt.manage(env, "ensure_template")
    rt.manage(env, "shell", "-c", "from bench.read_seed import seed; seed()")

    print("measuring the ask endpoint in-process ...", flush=True)
    in_process = in_process_ask(env)
    port, https_port = 8111, 8443
    results = []
    server = serve(env, port)
    workdir = Path(tempfile.mkdtemp(prefix="quire-bench-caddy-"))
    caddy = caddy_start(f"127.0.0.1:{port}", https_port, workdir)
    try:
        runs = [
            ("ask", f"http://127.0.0.1:{port}/_quire/ask?domain=bench.localhost", "200"),
            ("ask", f"http://127.0.0.1:{port}/_quire/ask?domain=nobody.example.com", "404"),
            ("ask", f"http://127.0.0.1:{port}/_quire/ask?domain=localhost", "200 platform"),
            ("direct", f"http://127.0.0.1:{port}/", "gunicorn HTTP"),
            ("caddy", f"https://127.0.0.1:{https_port}/", "Caddy HTTPS"),
        ]
        for name, url, label in runs:
            print(f"measuring {name} {label} ...", flush=True)
            if name == "ask":
                # Caddy asks once per new name, not in floods: 2 connections, one per worker.
                figures = _measure_any_status(wrk, url, args, connections=2)
            else:
                figures = rt.measure(wrk, url, seconds=args.duration, connections=args.connections)
            results.append((name, label, figures))
    finally:
        caddy.terminate()
        caddy.wait(timeout=10)
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"\nhttps bench: gunicorn 2 workers, wrk {args.connections} connections (ask: 2), "
          f"{args.duration}s each, {os.cpu_count()} CPUs\n")  # fmt: skip
    print(f"{'what':<8}{'':<16}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for name, label, f in results:
        print(f"{name:<8}{label:<16}{f['rps']:>9.0f}{f['p50']:>9.2f}{f['p99']:>9.2f}")
    print("\nask endpoint in-process (WSGI stack, no network), 5,000 calls each:")
    for domain, status, p50, p99 in in_process:
        print(f"  {domain:<22}{status:>4}  p50 {p50:.3f} ms  p99 {p99:.3f} ms")
    ask_p99 = max(f["p99"] for n, _l, f in results if n == "ask")
    direct = next(f["rps"] for n, _l, f in results if n == "direct")
    via_caddy = next(f["rps"] for n, _l, f in results if n == "caddy")
    ratio = via_caddy / direct
    ok_ask, ok_ratio = ask_p99 < ASK_P99_MS, ratio >= CADDY_RATIO
    print(f"\nask p99 {ask_p99:.2f} ms (target < {ASK_P99_MS:.0f} ms): "
          f"{'met' if ok_ask else 'NOT met'}")  # fmt: skip
    print(f"Caddy HTTPS / direct = {ratio:.0%} (target >= {CADDY_RATIO:.0%}): "
          f"{'met' if ok_ratio else 'NOT met'}")  # fmt: skip
    sys.exit(0 if ok_ask and ok_ratio else 1)


def _measure_any_status(wrk: str, url: str, args, *, connections: int) -> dict[str, float]:
    """Like read_throughput.measure, for answers that may be meant to be 404s."""
    import re

    base = [wrk, "-t2", f"-c{connections}", "--latency", "-H", f"Host: {rt.HOST}"]
    subprocess.run([*base, "-d2s", url], check=True, capture_output=True)
    out = subprocess.run(
        [*base, f"-d{args.duration}s", url], check=True, capture_output=True, text=True
    ).stdout
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": rt._ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": rt._ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
    }


if __name__ == "__main__":
    main()
