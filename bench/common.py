"""Shared plumbing for the bench scripts: a throw-away database, a temporary migrations
module for the bench app, Celery workers, and a figures table."""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

MIGRATION_0001 = """from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Note",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("title", models.CharField(max_length=100)),
            ],
        ),
    ]
"""

MIGRATION_ADD_FIELD = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("benchapp", "{previous}")]
    operations = [
        migrations.AddField("note", "extra_{n}", models.IntegerField(null=True)),
    ]
"""


class BenchEnv:
    """Environment for the bench's Django processes (its own database and Redis numbers)."""

    def __init__(self, name: str, *, redis_db: int):
        self.tmp = Path(tempfile.mkdtemp(prefix=f"quire-{name}-"))
        self.migrations = self.tmp / "benchapp_migrations"
        self.migrations.mkdir()
        (self.migrations / "__init__.py").write_text("")
        base_db = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/quire")
        parts = urlsplit(base_db)
        self.database = f"quire_bench_{name}"
        self.database_url = urlunsplit(parts._replace(path=f"/{self.database}"))
        redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rstrip("/")
        redis_base = redis.rsplit("/", 1)[0] if redis.rsplit("/", 1)[-1].isdigit() else redis
        self.env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
            "QUIRE_BENCH_APP": "1",
            "PYTHONPATH": f"{self.tmp}{os.pathsep}{ROOT}",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"{redis_base}/{redis_db}",
            "CELERY_BROKER_URL": f"{redis_base}/{redis_db + 1}",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench"),
            "DJANGO_DEBUG": "0",
            "CONN_MAX_AGE": "0",
        }
        self.migration_count = 0

    def add_migration(self) -> str:
        self.migration_count += 1
        n = self.migration_count
        if n == 1:
            name, text = "0001_initial", MIGRATION_0001
        else:
            previous = sorted(p.stem for p in self.migrations.glob("0*.py"))[-1]
            name = f"{n:04d}_extra_{n}"
            text = MIGRATION_ADD_FIELD.format(previous=previous, n=n)
        (self.migrations / f"{name}.py").write_text(text)
        return name

    def activate(self) -> None:
        """Configure this process for Django with the bench settings."""
        os.environ.update(self.env)
        sys.path[:0] = [str(self.tmp), str(ROOT)]
        import django

        django.setup()

    def reset_database(self) -> None:
        import psycopg2

        parts = urlsplit(self.database_url)
        conn = psycopg2.connect(
            host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres",
            password=parts.password, dbname="postgres",
        )  # fmt: skip
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{self.database}"')
        conn.close()

    def manage(self, *args: str, quiet: bool = True) -> float:
        """Run `manage.py ARGS` in a fresh process; return the wall time in seconds."""
        started = time.perf_counter()
        subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, check=True,
            stdout=subprocess.DEVNULL if quiet else None,
            stderr=subprocess.DEVNULL if quiet else None,
        )  # fmt: skip
        return time.perf_counter() - started

    @contextmanager
    def workers(self, *, queues: str, concurrency: int = 2):
        log = self.tmp / "worker.log"
        proc = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "config", "worker", f"--concurrency={concurrency}",
             "-Q", queues, "--loglevel=WARNING", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-n", f"bench-{os.getpid()}@%h"],
            cwd=ROOT, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            time.sleep(3)  # worker boot (not timed)
            if proc.poll() is not None:
                raise RuntimeError(f"worker died:\n{log.read_text()[-2000:]}")
            yield proc
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    def cleanup(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values)


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def progress(label: str, done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    end = "\n" if done >= total else ""
    print(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end,
          file=sys.stderr, flush=True)  # fmt: skip
