"""Caddy's `ask` endpoint and reader pages through Caddy over HTTPS vs gunicorn directly.

Uses read_throughput's database and seeded `bench` blog (1,000 posts) and serves it with
gunicorn as the image does (config/gunicorn.py: gthread workers that keep connections alive,
one per core) and Caddy as docker-compose.yml does (the repo's Caddyfile, internal CA,
on-demand TLS, GOMAXPROCS/GOGC from the compose file). In the same run:
  ask     GET /_quire/ask?domain=bench.localhost  straight to gunicorn (what Caddy calls)
  ask     GET /_quire/ask?domain=<unknown>        the refusal (also cached)
then, alternating, --rounds times (order reversed every other round):
  direct           GET / on bench.localhost  gunicorn over plain HTTP
  caddy            GET / on bench.localhost  Caddy over HTTPS -> gunicorn, as shipped
                   (no access log: CADDY_ACCESS_LOG defaults to off)
  caddy, log on    the same with CADDY_ACCESS_LOG=on
  caddy, 1 core    as shipped, Caddy pinned to CPU 0 (sched_setaffinity)
Each leg also records the CPU time gunicorn (master and workers), Caddy and wrk spent per
request (the scheduler's schedstat; wait4 for wrk), which other processes on the machine
disturb far less than req/s. Figures are medians over the rounds; the ratio is taken per round
against that round's direct leg. Two CPU ratios: "all" = direct's (gunicorn + wrk) CPU per
request over this leg's (gunicorn + Caddy + wrk), what req/s would show with the two cores to
ourselves (wrk's TLS counts against Caddy: it shares the cores); "servers" = gunicorn's alone
over gunicorn + Caddy, what a server whose clients are elsewhere pays for Caddy.
Targets: ask p99 < 5 ms; Caddy (as shipped) keeps >= 80% of the direct req/s.

Usage: .venv/bin/python bench/https.py [--duration 10] [--rounds 5] [--connections 8]
"""

import argparse
import importlib.machinery
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
_loader = importlib.machinery.SourceFileLoader(
    "read_throughput", str(ROOT / "bench" / "read_throughput")
)
rt = _loader.load_module()  # read_throughput has no .py suffix; reuse its helpers
ASK_P99_MS, CADDY_RATIO = 5.0, 0.8


def serve(env: dict[str, str], port: int) -> subprocess.Popen:
    """gunicorn with the image's configuration (config/gunicorn.py), on a local port."""
    import urllib.request

    server = subprocess.Popen(
        [str(rt.GUNICORN), "-c", "config/gunicorn.py", "--log-level", "warning",
         "config.wsgi:application"],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "config.settings",
                   "GUNICORN_BIND": f"127.0.0.1:{port}"},
    )  # fmt: skip
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": rt.HOST})
    for _ in range(150):
        if server.poll() is not None:  # e.g. the port was taken: never measure another server
            raise SystemExit(f"gunicorn exited (port {port} in use?)")
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def compose_caddy_env() -> dict[str, str]:
    """The Go runtime settings docker-compose.yml gives Caddy (defaults of ${VAR:-default})."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = compose["services"]["caddy"]["environment"]
    out = {}
    for name in ("GOMAXPROCS", "GOGC"):
        if name in env:
            value = str(env[name])
            match = re.fullmatch(r"\$\{\w+:-(.*)\}", value)
            out[name] = match.group(1) if match else value
    return out


def caddy_start(
    upstream: str, https_port: int, workdir: Path, *, extra: dict[str, str], cpus=None
) -> subprocess.Popen:
    # The repo's Caddyfile. wrk connects to 127.0.0.1 and sends no SNI (bench.localhost does
    # not resolve outside browsers), so Caddy would ask Quire about "127.0.0.1" and be told
    # no: a site for the IP is added only so that the handshake has a certificate. Requests
    # carry Host: bench.localhost and are routed to the Caddyfile's catch-all site.
    workdir.mkdir(parents=True, exist_ok=True)
    text = (ROOT / "Caddyfile").read_text()
    text += "\nhttps://127.0.0.1 {\n\ttls internal\n\trespond 421\n}\n"
    config = workdir / "Caddyfile"
    config.write_text(text)
    env = {
        "PATH": os.environ["PATH"], "HOME": str(workdir), "XDG_DATA_HOME": str(workdir),
        "XDG_CONFIG_HOME": str(workdir), "QUIRE_UPSTREAM": upstream, "CADDY_TLS": "internal",
        "CADDY_HTTPS_PORT": str(https_port), "CADDY_HTTP_PORT": str(free_port()),
    } | extra  # fmt: skip
    caddy = shutil.which("caddy") or "/usr/bin/caddy"
    proc = subprocess.Popen(
        [caddy, "run", "--config", str(config), "--adapter", "caddyfile"],
        env=env, stdout=(workdir / "access.log").open("w"),
        stderr=(workdir / "caddy.log").open("w"),
        preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
    )  # fmt: skip
    for _ in range(100):
        if proc.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("Caddy did not start:\n" + (workdir / "caddy.log").read_text()[-2000:])


def children(pid: int) -> list[int]:
    """pid and its child processes (gunicorn's master and workers)."""
    pids = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                pids.append(int(entry))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """CPU time these processes have run so far, all their threads (the scheduler's own count,
    in ns: /proc/<pid>/task/<tid>/schedstat, finer than the utime/stime ticks)."""
    total = 0
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, IndexError):  # a thread that just ended
                continue
    return total / 1e9


def machine_busy() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return values[3] + values[4], sum(values)  # idle + iowait, all


def leg(wrk: str, url: str, *, seconds: int, connections: int, watch: dict[str, list[int]]):
    """One wrk run; req/s, latency, and CPU µs per request of each watched process group."""
    before = {name: cpu_seconds(pids) for name, pids in watch.items()}
    idle0, all0 = machine_busy()
    command = [wrk, "-t2", f"-c{connections}", "-d", f"{seconds}s", "--latency",
               "-H", f"Host: {rt.HOST}", url]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    idle1, all1 = machine_busy()
    after = {name: cpu_seconds(pids) for name, pids in watch.items()}
    if status != 0:
        raise SystemExit(f"wrk failed on {url}:\n{out}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    figures = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": rt._ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": rt._ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "busy": 1 - (idle1 - idle0) / max(all1 - all0, 1),
        "wrk": (usage.ru_utime + usage.ru_stime) / requests * 1e6,
    }
    for name in watch:
        figures[name] = (after[name] - before[name]) / requests * 1e6
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per leg")
    parser.add_argument("--rounds", type=int, default=5)
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
    port = free_port()  # the machine is shared: other benches use fixed ports
    go = compose_caddy_env()
    variants = [  # name, extra environment, CPUs
        ("caddy", go | {"CADDY_ACCESS_LOG": "off"}, None),
        ("caddy, log on", go | {"CADDY_ACCESS_LOG": "on"}, None),
        ("caddy, 1 core", go | {"CADDY_ACCESS_LOG": "off"}, {0}),
    ]
    server = serve(env, port)
    workers = len(children(server.pid)) - 1
    workdir = Path(tempfile.mkdtemp(prefix="quire-bench-caddy-"))
    caddies = {}
    load_before = os.getloadavg()
    try:
        for name, extra, cpus in variants:
            https_port = free_port()
            proc = caddy_start(
                f"127.0.0.1:{port}", https_port, workdir / str(https_port), extra=extra, cpus=cpus
            )
            caddies[name] = (proc, https_port)
        asks = []
        for url, label in (
            (f"http://127.0.0.1:{port}/_quire/ask?domain=bench.localhost", "200"),
            (f"http://127.0.0.1:{port}/_quire/ask?domain=nobody.example.com", "404"),
            (f"http://127.0.0.1:{port}/_quire/ask?domain=localhost", "200 platform"),
        ):
            print(f"measuring ask {label} ...", flush=True)
            # Caddy asks once per new name, not in floods: 2 connections, one per worker.
            asks.append((label, _measure_any_status(wrk, url, args, connections=2)))

        gunicorn = children(server.pid)
        legs = [("direct", f"http://127.0.0.1:{port}/", {"gunicorn": gunicorn})]
        for name, (proc, https_port) in caddies.items():
            watch = {"gunicorn": gunicorn, "caddy": [proc.pid]}
            legs.append((name, f"https://127.0.0.1:{https_port}/", watch))
        for _name, url, _watch in legs:  # warm up: connections, caches, Go's heap
            leg(wrk, url, seconds=2, connections=args.connections, watch={})
        results = {name: [] for name, _u, _w in legs}
        loads = []
        for round_ in range(args.rounds):
            loads.append(os.getloadavg()[0])
            order = legs if round_ % 2 == 0 else legs[::-1]
            print(f"round {round_ + 1}/{args.rounds} (load {loads[-1]:.1f}):", end="", flush=True)
            for name, url, watch in order:
                figures = leg(
                    wrk, url, seconds=args.duration, connections=args.connections, watch=watch
                )
                results[name].append(figures)
                print(f"  {name} {figures['rps']:.0f}", end="", flush=True)
            print(flush=True)
        load_after = os.getloadavg()
    finally:
        for proc, _port in caddies.values():
            proc.terminate()
            proc.wait(timeout=10)
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)

    report(args, workers, go, asks, in_process, results, loads, load_before, load_after)


def report(args, workers, go, asks, in_process, results, loads, load_before, load_after):
    def median(values):
        return statistics.median(values)

    def fmt_load(load):
        return " ".join(f"{x:.1f}" for x in load)

    print(
        f"\nhttps bench: gunicorn {workers} gthread workers (config/gunicorn.py), Caddy "
        f"{' '.join(f'{k}={v}' for k, v in go.items())}, wrk {args.connections} connections "
        f"(ask: 2), {args.duration}s per leg, {args.rounds} rounds, {os.cpu_count()} CPUs"
    )
    print(
        f"load average before {fmt_load(load_before)}, after {fmt_load(load_after)}; "
        f"1-min load at each round: {', '.join(f'{x:.1f}' for x in loads)}\n"
    )
    print(f"{'what':<8}{'':<16}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for label, f in asks:
        print(f"{'ask':<8}{label:<16}{f['rps']:>9.0f}{f['p50']:>9.2f}{f['p99']:>9.2f}")
    print("\nask endpoint in-process (WSGI stack, no network), 5,000 calls each:")
    for domain, status, p50, p99 in in_process:
        print(f"  {domain:<22}{status:>4}  p50 {p50:.3f} ms  p99 {p99:.3f} ms")

    direct = results["direct"]
    print(
        f"\nreader page GET / (medians of {args.rounds} rounds; CPU is µs per request; "
        "see the docstring for the two CPU ratios)"
    )
    print(
        f"{'leg':<16}{'req/s':>8}{'x direct':>10}{'p50 ms':>8}{'p99 ms':>8}{'gunicorn':>10}"
        f"{'caddy':>7}{'wrk':>6}{'all':>7}{'servers':>9}{'busy':>6}"
    )
    direct_all = median([f["gunicorn"] + f["wrk"] for f in direct])
    direct_server = median([f["gunicorn"] for f in direct])
    ratios = {}
    for name, runs in results.items():
        ratio = median([f["rps"] / d["rps"] for f, d in zip(runs, direct, strict=True)])
        ratios[name] = ratio
        cpu = {k: median([f.get(k, 0.0) for f in runs]) for k in ("gunicorn", "caddy", "wrk")}
        total = median([f["gunicorn"] + f.get("caddy", 0.0) + f["wrk"] for f in runs])
        servers = median([f["gunicorn"] + f.get("caddy", 0.0) for f in runs])
        print(
            f"{name:<16}{median([f['rps'] for f in runs]):>8.0f}{ratio:>10.0%}"
            f"{median([f['p50'] for f in runs]):>8.2f}{median([f['p99'] for f in runs]):>8.2f}"
            f"{cpu['gunicorn']:>10.0f}{cpu['caddy']:>7.0f}{cpu['wrk']:>6.0f}"
            f"{direct_all / total:>7.0%}{direct_server / servers:>9.0%}"
            f"{median([f['busy'] for f in runs]):>6.0%}"
        )
    ask_p99 = max(f["p99"] for _l, f in asks)
    ok_ask, ok_ratio = ask_p99 < ASK_P99_MS, ratios["caddy"] >= CADDY_RATIO
    print(
        f"\nask p99 {ask_p99:.2f} ms (target < {ASK_P99_MS:.0f} ms): "
        f"{'met' if ok_ask else 'NOT met'}"
    )
    print(
        f"Caddy HTTPS / direct = {ratios['caddy']:.0%} (median of per-round ratios; target >= "
        f"{CADDY_RATIO:.0%}): {'met' if ok_ratio else 'NOT met'}"
    )
    sys.exit(0 if ok_ask and ok_ratio else 1)


def _measure_any_status(wrk: str, url: str, args, *, connections: int) -> dict[str, float]:
    """Like read_throughput.measure, for answers that may be meant to be 404s."""
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
