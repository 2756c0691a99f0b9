"""Processes the scale tests start for themselves: Redis instances and gunicorn hosts."""

import contextlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import redis
import requests

from tests.support.net import free_port
from tests.tasks.conftest import ROOT, worker_env


def _wait(check, process: subprocess.Popen, log: Path, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except (redis.RedisError, requests.RequestException):
            pass
        assert process.poll() is None, f"{what} exited:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"{what} did not start:\n{log.read_text()[-3000:]}"
        time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@contextlib.contextmanager
def redis_instance(folder: Path, *args: str):
    """A `redis-server` of its own on a free port; yields its URL (database 0)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "redis.log"
    command = [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(port)]
    command += ["--bind", "127.0.0.1", "--save", "", "--dir", str(folder), *args]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        _wait(client.ping, process, log, "redis-server")
        client.close()
        yield url
    finally:
        _stop(process)


@contextlib.contextmanager
def gunicorn_hosts(folder: Path, count: int, **env: str):
    """`count` web hosts, started together: gunicorn with the production config
    (config/gunicorn.py), one worker each, on the test database; each one's access log (one line
    per request) in `folder/web<n>/access.log`. Yields [(base URL, process, access log)]."""
    hosts, processes = [], []
    try:
        for n in range(1, count + 1):
            (folder / f"web{n}").mkdir(parents=True, exist_ok=True)
            port = free_port()
            log, access = folder / f"web{n}" / "gunicorn.log", folder / f"web{n}" / "access.log"
            environment = worker_env(
                GUNICORN_BIND=f"127.0.0.1:{port}",
                WEB_CONCURRENCY="1",
                GUNICORN_THREADS="2",
                GUNICORN_ACCESS_LOG=str(access),
                DJANGO_DEBUG="0",
                **env,
            )
            command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
            with log.open("w") as out:
                process = subprocess.Popen(
                    command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT
                )
            processes.append(process)
            hosts.append((f"http://127.0.0.1:{port}", process, access, log))
        for url, process, _, log in hosts:
            _wait(lambda: requests.get(url + "/healthz", timeout=2).ok, process, log, "gunicorn")  # noqa: B023
        yield [(url, process, access) for url, process, access, _ in hosts]
    finally:
        for process in processes:
            _stop(process)


def run_django(code: str, *args: str, **env: str) -> str:
    """Run `code` in a fresh Django process with these settings (the way a web host would
    see them), on the test database; returns its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code, *args],
        cwd=ROOT, env=worker_env(**env), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout
