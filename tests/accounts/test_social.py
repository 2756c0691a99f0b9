"""Social login (GitHub, Google) is off by default and turned on by environment variables
only. No network: the "on" check renders pages in a subprocess started with the variables."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import host_client

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)

PROBE = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="localhost")
login = client.get("/accounts/login/").content.decode()
print("github-link" if "/accounts/github/login/" in login else "no-github-link")
print("google-link" if "/accounts/google/login/" in login else "no-google-link")
start = client.post("/accounts/github/login/")
print("github-redirect", start.status_code, start.get("Location", "")[:40])
blog_login = Client(HTTP_HOST="nowhere.localhost").get("/accounts/login/")
print("unknown-host", blog_login.status_code)
"""


def probe(**env) -> str:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": url}
        | {k: v for k, v in env.items()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_social_login_is_off_by_default():
    page = host_client("localhost").get("/accounts/login/").content.decode()
    assert "/accounts/github/login/" not in page and "/accounts/google/login/" not in page
    assert host_client("localhost").get("/accounts/github/login/").status_code == 404
    out = probe()
    assert "no-github-link" in out and "no-google-link" in out


def test_environment_variables_turn_github_and_google_on():
    out = probe(
        QUIRE_GITHUB_CLIENT_ID="gh-id",
        QUIRE_GITHUB_CLIENT_SECRET="gh-secret",
        QUIRE_GOOGLE_CLIENT_ID="g-id",
        QUIRE_GOOGLE_CLIENT_SECRET="g-secret",
    )
    assert "github-link" in out.split() and "google-link" in out.split()
    assert "github-redirect 302 https://github.com/login/oauth/authorize" in out


def test_a_client_id_without_its_secret_turns_nothing_on():
    out = probe(QUIRE_GITHUB_CLIENT_ID="gh-id")
    assert "no-github-link" in out
