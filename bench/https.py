"""Caddy's `ask` endpoint and reader pages through Caddy over HTTPS vs gunicorn directly.

Uses read_throughput's database and seeded `bench` blog (1,000 posts) and serves it with
gunicorn as the image does (config/gunicorn.py: gthread workers that keep connections alive,
one per core) and Caddy as docker-compose.yml does (the repo's Caddyfile, internal CA,
on-demand TLS, GOMAXPROCS/GOGC from the compose file). In the same run:
  ask     GET /_quire/ask?domain=bench.localhost  straight to gunicorn (what Caddy calls)
  ask     GET /_quire/ask?domain=<unknown>        the refusal (also cached)
  each back to back on one connection, as Caddy asks (once per new name, during that name's
  first handshake, at most 20 a minute: the Caddyfile's on_demand_tls burst), and on two
  connections (a flood; when both land on one of gunicorn's workers its threads share one
  GIL and the latency doubles, so this figure moves between runs).
then, alternating, --rounds times (order reversed every other round), in two set-ups:

  Caddy on cores of its own (the target). gunicorn runs on the upper half of the CPUs
  (one worker per core: on 2 CPUs one worker on CPU 1); Caddy and wrk run on the lower half
  (sched_setaffinity), in both legs. This is how a front server is deployed and measured:
  its CPU is not taken from the web server's cores, so the ratio says what putting Caddy in
  front costs the pages the web server can serve (TLS, a second HTTP hop, the latency).
    own: direct    GET / on bench.localhost  gunicorn over plain HTTP
    own: caddy     GET / on bench.localhost  Caddy over HTTPS -> the same gunicorn, as shipped
  Everything on the same cores (for information). gunicorn as the image runs it (one worker
  per core), Caddy and wrk scheduled anywhere: every µs Caddy and wrk's TLS spend is taken
  from gunicorn, so this ratio is, to within the noise, gunicorn's CPU per page over the
  sum of all three (see ARCHITECTURE.md, "The front server's cost").
    shared: direct, shared: caddy, shared: caddy, log on (CADDY_ACCESS_LOG=on)
Each leg also records the CPU time gunicorn (master and workers), Caddy and wrk spent per
request (the scheduler's schedstat; wait4 for wrk), which other processes on the machine
disturb far less than req/s. Figures are medians over the rounds; the ratio is taken per round
against that round's direct leg of the same set-up. Two CPU ratios: "all" = direct's
(gunicorn + wrk) CPU per request over this leg's (gunicorn + Caddy + wrk); "servers" =
gunicorn's alone over gunicorn + Caddy, what a server whose clients are elsewhere pays for
Caddy. Targets: ask p99 < 5 ms; through Caddy on its own cores >= 80% of the direct req/s.

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
sys.path.insert(0, str(ROOT))  # run as `python bench/https.py`: the repository's packages

from tests.support.net import free_port  # noqa: E402

_loader = importlib.machinery.SourceFileLoader(
    "read_throughput", str(ROOT / "bench" / "read_throughput")
)
rt = _loader.load_module()  # read_throughput has no .py suffix; reuse its helpers
ASK_P99_MS, CADDY_RATIO = 5.0, 0.8


def serve(env: dict[str, str], port: int, cpus: set[int] | None = None) -> subprocess.Popen:
    """gunicorn with the image's configuration (config/gunicorn.py), on a local port; with
    `cpus`, held to those CPUs with one worker per CPU (what the image does per core)."""
    import urllib.request

    if cpus:
        env = env | {"WEB_CONCURRENCY": str(len(cpus))}
    server = subprocess.Popen(
        [str(rt.GUNICORN), "-c", "config/gunicorn.py", "--log-level", "warning",
         "config.wsgi:application"],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "config.settings",
                   "GUNICORN_BIND": f"127.0.0.1:{port}"},
        preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
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


def leg(
    wrk: str, url: str, *, seconds: int, connections: int, watch: dict[str, list[int]], cpus=None
):
    """One wrk run (on `cpus` if given); req/s, latency, and CPU µs per request of each
    watched process group."""
    before = {name: cpu_seconds(pids) for name, pids in watch.items()}
    idle0, all0 = machine_busy()
    command = [wrk, "-t2", f"-c{connections}", "-d", f"{seconds}s", "--latency",
               "-H", f"Host: {rt.HOST}", url]  # fmt: skip
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True,
        preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
    )  # fmt: skip
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


def split_cpus() -> tuple[set[int], set[int]]:
    """(front, app): the lower half of the CPUs this process may use for Caddy and wrk, the
    upper half for gunicorn (on 2 CPUs: {0} and {1})."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("the own-cores set-up needs at least 2 CPUs")
    half = len(cpus) // 2
    return set(cpus[:half]), set(cpus[half:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per leg")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    env = rt.environment() | {"LOG_LEVEL": "ERROR"}  # the refused asks would log 404s
    wrk = rt.ensure_wrk()
    front_cpus, app_cpus = split_cpus()
    print("preparing the database and the bench blog...", flush=True)
    rt.ensure_database(env)
    rt.manage(env, "migrate_schemas", "--noinput", "-v", "0")
    rt.manage(env, "ensure_template")
    rt.manage(env, "shell", "-c", "from bench.read_seed import seed; seed()")

    print("measuring the ask endpoint in-process ...", flush=True)
    in_process = in_process_ask(env)
    go = compose_caddy_env()
    port, own_port = free_port(), free_port()  # the machine is shared: no fixed ports
    server = serve(env, port)  # shared: one worker per core, anywhere
    own_server = serve(env, own_port, cpus=app_cpus)
    workers = len(children(server.pid)) - 1
    workdir = Path(tempfile.mkdtemp(prefix="quire-bench-caddy-"))
    procs = []
    load_before = os.getloadavg()
    try:
        caddies = {}
        for name, upstream, extra, cpus in (  # name, gunicorn port, environment, CPUs
            ("own: caddy", own_port, {"CADDY_ACCESS_LOG": "off"}, front_cpus),
            ("shared: caddy", port, {"CADDY_ACCESS_LOG": "off"}, None),
            ("shared: caddy, log on", port, {"CADDY_ACCESS_LOG": "on"}, None),
        ):
            https_port = free_port()
            proc = caddy_start(
                f"127.0.0.1:{upstream}", https_port, workdir / str(https_port),
                extra=go | extra, cpus=cpus,
            )  # fmt: skip
            procs.append(proc)
            caddies[name] = (proc, https_port)
        asks = []
        for connections in (1, 2):
            for url, label in (
                (f"http://127.0.0.1:{port}/_quire/ask?domain=bench.localhost", "200"),
                (f"http://127.0.0.1:{port}/_quire/ask?domain=nobody.example.com", "404"),
                (f"http://127.0.0.1:{port}/_quire/ask?domain=localhost", "200 platform"),
            ):
                print(f"measuring ask {label}, {connections} connection(s) ...", flush=True)
                figures = _measure_any_status(wrk, url, args, connections=connections)
                asks.append((label, connections, figures))

        shared, own = children(server.pid), children(own_server.pid)
        sets = {  # set-up: [(leg, url, watched processes, wrk's CPUs)]
            "own": [
                ("own: direct", f"http://127.0.0.1:{own_port}/", {"gunicorn": own}, front_cpus),
                ("own: caddy", f"https://127.0.0.1:{caddies['own: caddy'][1]}/",
                 {"gunicorn": own, "caddy": [caddies["own: caddy"][0].pid]}, front_cpus),
            ],
            "shared": [("shared: direct", f"http://127.0.0.1:{port}/", {"gunicorn": shared}, None)]
            + [
                (name, f"https://127.0.0.1:{caddies[name][1]}/",
                 {"gunicorn": shared, "caddy": [caddies[name][0].pid]}, None)
                for name in ("shared: caddy", "shared: caddy, log on")
            ],
        }  # fmt: skip
        legs = sets["own"] + sets["shared"]
        for _name, url, _watch, cpus in legs:  # warm up: connections, caches, Go's heap
            leg(wrk, url, seconds=2, connections=args.connections, watch={}, cpus=cpus)
        results = {name: [] for name, *_ in legs}
        loads = []
        for round_ in range(args.rounds):
            loads.append(os.getloadavg()[0])
            print(f"round {round_ + 1}/{args.rounds} (load {loads[-1]:.1f}):", end="", flush=True)
            for set_legs in sets.values():  # each set-up's legs back to back, order reversed
                order = set_legs if round_ % 2 == 0 else set_legs[::-1]  # every other round
                for name, url, watch, cpus in order:
                    figures = leg(
                        wrk, url, seconds=args.duration, connections=args.connections,
                        watch=watch, cpus=cpus,
                    )  # fmt: skip
                    results[name].append(figures)
                    print(f"  {name} {figures['rps']:.0f}", end="", flush=True)
            print(flush=True)
        load_after = os.getloadavg()
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
        for proc in (server, own_server):
            proc.terminate()
            proc.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)

    split = (front_cpus, app_cpus)
    report(args, workers, split, go, asks, in_process, results, loads, load_before, load_after)


def report(args, workers, split, go, asks, in_process, results, loads, load_before, load_after):
    def median(values):
        return statistics.median(values)

    def fmt_load(load):
        return " ".join(f"{x:.1f}" for x in load)

    def cpus(values):
        return ",".join(str(c) for c in sorted(values))

    front_cpus, app_cpus = split
    print(
        f"\nhttps bench: {os.cpu_count()} CPUs; Caddy "
        f"{' '.join(f'{k}={v}' for k, v in go.items())}, wrk {args.connections} connections "
        f"(ask: 1 and 2), {args.duration}s per leg, {args.rounds} rounds\n"
        f"  own cores: gunicorn {len(app_cpus)} gthread worker(s) on CPU {cpus(app_cpus)}; "
        f"Caddy and wrk on CPU {cpus(front_cpus)}\n"
        f"  shared:    gunicorn {workers} gthread workers (config/gunicorn.py), Caddy and wrk "
        "on any CPU"
    )
    print(
        f"load average before {fmt_load(load_before)}, after {fmt_load(load_after)}; "
        f"1-min load at each round: {', '.join(f'{x:.1f}' for x in loads)}\n"
    )
    print(f"{'what':<8}{'':<16}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for label, connections, f in asks:
        print(
            f"{'ask':<8}{label:<16}{connections:>6}{f['rps']:>9.0f}{f['p50']:>9.2f}{f['p99']:>9.2f}"
        )
    print("\nask endpoint in-process (WSGI stack, no network), 5,000 calls each:")
    for domain, status, p50, p99 in in_process:
        print(f"  {domain:<22}{status:>4}  p50 {p50:.3f} ms  p99 {p99:.3f} ms")

    print(
        f"\nreader page GET / (medians of {args.rounds} rounds; CPU is µs per request; "
        "see the docstring for the two CPU ratios)"
    )
    print(
        f"{'leg':<24}{'req/s':>8}{'x direct':>10}{'p50 ms':>8}{'p99 ms':>8}{'gunicorn':>10}"
        f"{'caddy':>7}{'wrk':>6}{'all':>7}{'servers':>9}{'busy':>6}"
    )
    ratios = {}
    for name, runs in results.items():
        direct = results[name.split(":")[0] + ": direct"]
        direct_all = median([f["gunicorn"] + f["wrk"] for f in direct])
        direct_server = median([f["gunicorn"] for f in direct])
        ratio = median([f["rps"] / d["rps"] for f, d in zip(runs, direct, strict=True)])
        ratios[name] = ratio
        cpu = {k: median([f.get(k, 0.0) for f in runs]) for k in ("gunicorn", "caddy", "wrk")}
        total = median([f["gunicorn"] + f.get("caddy", 0.0) + f["wrk"] for f in runs])
        servers = median([f["gunicorn"] + f.get("caddy", 0.0) for f in runs])
        print(
            f"{name:<24}{median([f['rps'] for f in runs]):>8.0f}{ratio:>10.0%}"
            f"{median([f['p50'] for f in runs]):>8.2f}{median([f['p99'] for f in runs]):>8.2f}"
            f"{cpu['gunicorn']:>10.0f}{cpu['caddy']:>7.0f}{cpu['wrk']:>6.0f}"
            f"{direct_all / total:>7.0%}{direct_server / servers:>9.0%}"
            f"{median([f['busy'] for f in runs]):>6.0%}"
        )
    ask_p99 = max(f["p99"] for _l, connections, f in asks if connections == 1)
    flood_p99 = max(f["p99"] for _l, connections, f in asks if connections == 2)
    own, shared = ratios["own: caddy"], ratios["shared: caddy"]
    ok_ask, ok_ratio = ask_p99 < ASK_P99_MS, own >= CADDY_RATIO
    print(
        f"\nask p99 {ask_p99:.2f} ms, one connection as Caddy asks (target < {ASK_P99_MS:.0f} "
        f"ms): {'met' if ok_ask else 'NOT met'}; on two connections {flood_p99:.2f} ms"
    )
    print(
        f"Caddy HTTPS / direct, Caddy on cores of its own = {own:.0%} (median of per-round "
        f"ratios; target >= {CADDY_RATIO:.0%}): {'met' if ok_ratio else 'NOT met'}"
    )
    print(
        f"Caddy HTTPS / direct, all on the same cores = {shared:.0%} (for information: "
        "Caddy's and wrk's TLS CPU is taken from gunicorn's)"
    )
    sys.exit(0 if ok_ask and ok_ratio else 1)


def _measure_any_status(wrk: str, url: str, args, *, connections: int) -> dict[str, float]:
    """Like read_throughput.measure, for answers that may be meant to be 404s."""
    threads = min(2, connections)  # wrk wants at least one connection per thread
    base = [wrk, f"-t{threads}", f"-c{connections}", "--latency", "-H", f"Host: {rt.HOST}"]
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
