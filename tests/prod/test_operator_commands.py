"""Every command in the README works as typed in a fresh shell after `make run` ran once.

`make run` leaves `.local/secret_key` and `.local/env` (database, Redis, public port) behind;
config/settings/base.py reads them when the environment does not say otherwise. Here a directory
of the test's own stands for `.local/` (QUIRE_LOCAL_DIR) and points at a throwaway database,
because the README's commands migrate. Nothing else is in the environment (`env -i`).
"""

import os
import re
import secrets
import subprocess
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from shared.accounts.models import User

ROOT = Path(__file__).resolve().parents[2]


def _server_params() -> dict:
    db = settings.DATABASES["default"]
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"] or "postgres",
        "password": db["PASSWORD"] or None,
        "dbname": "postgres",
    }


@pytest.fixture
def throwaway_local(tmp_path):
    params = _server_params()
    name = f"quire_readme_{os.getpid()}_{secrets.token_hex(3)}"
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    auth = params["user"] + (f":{params['password']}" if params["password"] else "")
    local = tmp_path / "local"
    local.mkdir()
    (local / "secret_key").write_text(secrets.token_urlsafe(50) + "\n")
    redis = urlsplit(settings.REDIS_URL)
    (local / "env").write_text(
        f"DATABASE_URL=postgres://{auth}@{params['host']}:{params['port']}/{name}\n"
        f"REDIS_URL={settings.REDIS_URL}\n"
        f"CELERY_BROKER_URL={settings.CELERY_BROKER_URL}\n"
        "QUIRE_PUBLIC_SCHEME=http\n"
        "QUIRE_PUBLIC_PORT=8000\n"
    )
    assert redis.scheme == "redis"
    yield local
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def _fresh_shell(command: str, local: Path | None, **extra) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root")}
    env["QUIRE_LOCAL_DIR"] = str(local) if local else "/nonexistent-quire-local"
    env |= extra
    return subprocess.run(
        ["env", "-i", *(f"{k}={v}" for k, v in env.items()), "sh", "-c", command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _readme_commands() -> list[str]:
    """The `.venv/bin/python manage.py ...` lines of the README, comments and [options] off."""
    text = (ROOT / "README.md").read_text()
    commands = []
    for line in re.findall(r"^(\.venv/bin/python manage\.py .*)$", text, re.M):
        line = line.split("  #", 1)[0].strip()
        line = re.sub(r"\s*\[[^\]]*\]", "", line)
        commands.append(line)
    return commands


@pytest.mark.slow
def test_every_readme_command_works_in_a_fresh_shell(db, throwaway_local):
    commands = _readme_commands()
    names = {c.split()[2] for c in commands}
    assert {"create_blog", "migrate_fleet", "rebuild_search", "pool_fill"} <= names
    assert {"reset_staff_password"} <= names
    # A fresh database needs the inline migration first (make run's first step), then the
    # README's commands in the order written; `--help` of each on top.
    first = [
        ".venv/bin/python manage.py migrate_fleet --inline",
        ".venv/bin/python manage.py seed_demo",
    ]
    for command in first + commands + [f"{c.split(' --')[0]} --help" for c in commands]:
        result = _fresh_shell(command, throwaway_local)
        assert result.returncode == 0, (command, result.stdout[-2000:], result.stderr[-2000:])
        if "create_blog" in command and "--help" not in command:
            assert "http://acme.localhost:8000/" in result.stdout, result.stdout


def test_production_without_secret_key_refuses_to_start(db):
    result = _fresh_shell(".venv/bin/python manage.py check", None, DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_staff_is_seeded_once_and_a_second_run_keeps_its_login(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    password = re.search(r"staff login: \S+ / (\S+)", out.getvalue()).group(1)
    staff = User.objects.get(email="admin@quire.localhost")
    assert staff.is_staff and staff.is_superuser and staff.check_password(password)

    again = StringIO()
    call_command("seed_demo", stdout=again)
    staff.refresh_from_db()
    assert staff.check_password(password)
    assert password not in again.getvalue()
    assert "reset_staff_password" in again.getvalue()
    assert not any(p.name == "staff_password" for p in Path("/tmp").iterdir())

    reset = StringIO()
    call_command("reset_staff_password", stdout=reset)
    new = re.search(r": (\S+)$", reset.getvalue().strip()).group(1)
    staff.refresh_from_db()
    assert new != password and staff.check_password(new)


def test_reset_staff_password_refuses_non_staff(user):
    with pytest.raises(CommandError, match="No staff account"):
        call_command("reset_staff_password", "--email", user.email)
