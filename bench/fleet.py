#!/usr/bin/env python3
"""The fleet at 10,000 blogs: routing, pooling, memory and migrations in one table.

    .venv/bin/python bench/fleet.py seed --blogs 10000 [--jobs 2]
    .venv/bin/python bench/fleet.py run  --blogs 10000 [--rss-minutes 10] [--only NAME,...]

`seed` grows the database `quire_bench10k` (`--database`) to N blogs `fleet0..` through the
provisioning service (bench/fleet_seed.py); it is resumable: run it again to top up.
`run` measures, beside stock django-tenants (+ `cache_page`) and nginx serving the same bytes
as a static file where they apply:
  front     reader home page through Varnish vs nginx (target >= 50%)
  random    no front cache: random blog over N warm blogs vs one blog (>= 90%)
  cold      first visit to a cold blog, p99 (< 100 ms)
  rss       PostgreSQL backend RSS after --rss-minutes of random traffic (< 150 MB)
  migrate   migrate_fleet with nothing to apply (< 15 s), one additive migration with 2
            worker processes (< 2 min)
  signup    signup provisioning p50 at N blogs vs at 100 (unchanged)
  publish   publish -> the new post visible through Varnish (< 1 s)
Other processes on the machine compete for the same cores: the table records the load average.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"


def environment(database: str) -> dict[str, str]:
    return os.environ | {
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret"),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
        "PLATFORM_DOMAIN": "localhost",
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "ERROR",
        "QUIRE_IGNORE_LOCAL_ENV": "1",
        "QUIRE_SPARE_POOL_SIZE": "0",
        "CONN_MAX_AGE": "3600",
        "PYTHONPATH": str(ROOT),
        "PYTHONWARNINGS": "ignore:No directory at",  # whitenoise: no collectstatic in a bench
    }


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atc", sql],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def django(env: dict[str, str], code: str, *, wait: bool = True):
    """Run `code` in a fresh Python process with Django set up (the bench's settings)."""
    argv = [PYTHON, "-c", f"import django; django.setup(); {code}"]
    env = env | {"DJANGO_SETTINGS_MODULE": "config.settings"}
    if wait:
        return subprocess.run(argv, cwd=ROOT, env=env, check=True)
    return subprocess.Popen(argv, cwd=ROOT, env=env)


def blog_count(database: str) -> int:
    return int(
        psql("SELECT count(*) FROM tenants_tenant WHERE subdomain LIKE 'fleet%'", database) or 0
    )


def seed(database: str, blogs: int, jobs: int) -> None:
    env = environment(database)
    if not psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'"):  # noqa: S608
        print(f"creating database {database}", flush=True)
        psql(f'CREATE DATABASE "{database}"')
    manage(env, "migrate_schemas", "--shared", "--noinput", "-v", "0")
    manage(env, "ensure_template")
    have = blog_count(database)
    print(f"{database}: {have} blogs, growing to {blogs} with {jobs} job(s)", flush=True)
    started = time.monotonic()
    django(env, "from bench.fleet_seed import owner_get; owner_get()")
    procs = [
        django(
            env,
            f"from bench.fleet_seed import seed; seed({blogs}, job={j}, jobs={jobs})",
            wait=False,
        )  # fmt: skip
        for j in range(jobs)
    ]
    try:
        while any(p.poll() is None for p in procs):
            time.sleep(15)
            now = blog_count(database)
            rate = (now - have) / (time.monotonic() - started)
            left = (blogs - now) / rate / 60 if rate else float("nan")
            print(f"  {now}/{blogs} blogs, {rate:.1f} blogs/s, ~{left:.0f} min left", flush=True)
    except KeyboardInterrupt:
        for p in procs:
            p.terminate()
        raise
    if any(p.returncode for p in procs):
        raise SystemExit("a seeding job failed (run the command again to resume)")
    print(f"{database}: {blog_count(database)} blogs", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["seed", "run"])
    parser.add_argument("--blogs", type=int, default=10_000)
    parser.add_argument("--database", default="quire_bench10k")
    parser.add_argument("--jobs", type=int, default=2, help="seeding processes")
    parser.add_argument("--only", default="", help="comma-separated cases (default: all)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk figure")
    parser.add_argument("--rss-minutes", type=float, default=10, help="random traffic for rss")
    parser.add_argument("--samples", type=int, default=40, help="signups / publishes timed")
    parser.add_argument("--cold", type=int, default=1000, help="cold blogs visited")
    args = parser.parse_args()
    if args.command == "seed":
        seed(args.database, args.blogs, args.jobs)
    else:
        from bench import fleet_run

        fleet_run.main(args)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
