"""Real Celery workers, in their own processes, against the test database and test Redis."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]
# Not `domains`: the session worker knows no test DNS server, so domain checks are run only by
# the workers the domain tests start themselves (tests/tasks/test_domain_tasks.py). Not
# `newsletters` either: it knows no test SMTP server; the newsletter tests start workers that do
# (tests/tasks/test_newsletter_worker.py, tests/e2e/test_newsletter_journey.py).
ALL_QUEUES = "default,search,migrations,provisioning,media,imports,webhooks"


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """A `celery worker` process; `kill()` is SIGKILL to its whole process group."""

    def __init__(self, log: Path, *, queues: str, env: dict[str, str], pool: str = "solo"):
        self.log = log
        with log.open("a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}",
                 "--concurrency=1", "-Q", queues, "--loglevel=INFO", "--without-gossip",
                 "--without-mingle", "--without-heartbeat", "-n", f"test-{time.time_ns()}@%h"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while log.read_text().count("ready.") < self._ready_before + 1:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"the Celery worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)

    _ready_before = 0

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


def worker_env(**extra: str) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CONN_MAX_AGE": "0",
        **extra,
    }


def start_worker(log: Path, *, queues: str = ALL_QUEUES, pool: str = "solo", **env) -> Worker:
    Worker._ready_before = log.read_text().count("ready.") if log.exists() else 0
    return Worker(log, queues=queues, env=worker_env(**env), pool=pool)


def purge_all_queues(queues: str = ALL_QUEUES) -> None:
    """Drop messages left by earlier tests (e.g. a pool refill queued by a signup in an e2e
    test): `control.purge()` only knows the queues this process has declared."""
    app.control.purge()
    with app.connection_for_write() as conn:
        for queue in queues.split(","):
            try:
                conn.default_channel.queue_purge(queue)
            except Exception:  # a queue never declared: nothing to drop
                pass


@pytest.fixture(scope="module")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A worker for one test module. Not for the session: a worker left running would take
    the tasks that later tests only queue (a signup's pool refill) and run them against the
    database while those tests, or their teardown, change it."""
    with django_db_blocker.unblock():
        purge_all_queues()
        worker = start_worker(tmp_path_factory.mktemp("worker") / "worker.log")
    yield worker.proc, worker.log
    worker.stop()
    purge_all_queues()  # what its tests queued and it did not take


def wait_for(predicate, *, timeout: float = 20.0, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    tail = log.read_text()[-3000:] if log else ""
    pytest.fail(f"condition not met within {timeout}s\n{tail}")
