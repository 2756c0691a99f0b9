#!/usr/bin/env python3
"""The public API's figures, in one run on one server:

  Content API  GET /api/content/v1/posts/?key=   (15 posts of 1,000; cached with the pages)
  Content API  the same with an extra parameter  (not stored: every request built, for scale)
  reader       GET /                              (the home page, page cache)
  Admin API    POST /api/admin/v1/posts/          create-and-publish, one at a time, p50/p90

Seeds the `bench` blog with 1,000 posts (bench/read_seed.py, database `quire_bench` unless
DATABASE_URL says otherwise), puts it on the Business plan, serves it with gunicorn (2
workers, bench/api_settings.py: the API rate limits off) and drives the reads with wrk at 8
connections. The machine's load average is printed with the figures.

Usage: .venv/bin/python bench/api.py [--duration 10] [--connections 8] [--creates 300]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile, print_table, progress  # noqa: E402


def _read_throughput():
    """bench/read_throughput's helpers (a script without .py: loaded by path)."""
    from importlib.machinery import SourceFileLoader
    from importlib.util import module_from_spec, spec_from_loader

    loader = SourceFileLoader("read_throughput", str(ROOT / "bench" / "read_throughput"))
    module = module_from_spec(spec_from_loader("read_throughput", loader))
    loader.exec_module(module)
    return vars(module)


_rt = _read_throughput()
HOST = _rt["HOST"]
PORT = 8111


def serve(env: dict[str, str]) -> subprocess.Popen:
    """gunicorn (2 workers) with the bench settings, once it answers the home page (patient:
    the machine may be busy)."""
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{PORT}",
         "--log-level", "warning", "config.wsgi:application"],
        cwd=ROOT, env=env | {"DJANGO_SETTINGS_MODULE": "bench.api_settings"},
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{PORT}/", headers={"Host": HOST})
            with urllib.request.urlopen(request, timeout=10) as response:
                if response.status == 200:
                    return server
        except OSError:  # refused while starting, or slow under load
            time.sleep(0.5)
    server.terminate()
    server.wait(timeout=30)
    raise SystemExit(f"gunicorn did not answer on port {PORT}")


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"create refused: HTTP {exc.code} {exc.read()[:500]!r}") from exc


def creates(*, token: str, count: int) -> list[float]:
    """Create-and-publish `count` posts one at a time; each request's wall time in ms."""
    url = f"http://127.0.0.1:{PORT}/api/admin/v1/posts/"
    headers = {"Host": HOST, "Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    times = []
    stamp = int(time.time())
    for n in range(count):
        body = json.dumps(
            {
                "title": f"API bench {stamp} {n}",
                "body": f"Made by *bench/api.py*, number {n}.\n\n```python\nprint({n})\n```",
                "tags": ["bench", "api"],
                "action": "publish",
            }
        ).encode()
        started = time.perf_counter()
        status = _post(url, body, headers)
        times.append((time.perf_counter() - started) * 1000)
        if status != 201:
            raise SystemExit(f"create {n}: HTTP {status}")
        if (n + 1) % 25 == 0 or n + 1 == count:
            progress("admin creates", n + 1, count)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--creates", type=int, default=300)
    args = parser.parse_args()
    env = _rt["environment"]()
    wrk = _rt["ensure_wrk"]()
    print("preparing the database and seeding 1,000 posts...", flush=True)
    _rt["ensure_database"](env)
    _rt["manage"](env, "migrate_schemas", "--noinput", "-v", "0")
    _rt["manage"](env, "ensure_template")
    out = _rt["manage"](env, "shell", "-c", "from bench.api_seed import seed; seed()")
    secrets = json.loads(out.strip().splitlines()[-1])
    key, token = secrets["key"], secrets["token"]
    load_before = os.getloadavg()

    reads = [
        ("Content API", f"/api/content/v1/posts/?key={key}", "posts list (cached)"),
        (
            "Content API",
            f"/api/content/v1/posts/?key={key}&fresh=1",
            "posts list (built each time)",
        ),
        ("reader", "/", "home page (cached)"),
    ]
    rows, figures = [], {}
    server = serve(env)
    try:
        for name, path, label in reads:
            print(f"measuring {name} {label} ...", flush=True)
            f = _rt["measure"](
                wrk, f"http://127.0.0.1:{PORT}{path}",
                seconds=args.duration, connections=args.connections, server_pid=server.pid,
            )  # fmt: skip
            figures[label] = f
            rows.append([name, label, f"{f['rps']:.0f}", f"{f['p50']:.2f}", f"{f['p99']:.2f}"])
        times = creates(token=token, count=args.creates)
    finally:
        server.terminate()
        server.wait(timeout=30)
    load_after = os.getloadavg()

    home = figures["home page (cached)"]["rps"]
    for row in rows:
        row.append(f"{float(row[2]) / home:.2f}")
    print_table(
        f"bench/api.py: gunicorn 2 workers, wrk {args.connections} connections, "
        f"{args.duration}s each, {os.cpu_count()} CPUs",
        ["API", "what", "req/s", "p50 ms", "p99 ms", "x home"],
        rows,
    )
    print_table(
        f"Admin API create-and-publish, {len(times)} posts one at a time",
        ["p50 ms", "p90 ms", "p99 ms", "mean ms"],
        [[f"{statistics.median(times):.1f}", f"{percentile(times, 90):.1f}",
          f"{percentile(times, 99):.1f}", f"{statistics.mean(times):.1f}"]],
    )  # fmt: skip
    print(
        f"\nload average (1/5/15 min): before {load_before[0]:.2f}/{load_before[1]:.2f}/"
        f"{load_before[2]:.2f}, after {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}"
    )


if __name__ == "__main__":
    main()
