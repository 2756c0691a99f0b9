"""Playwright driving Debian's Chromium against pytest-django's live server.

`*.localhost` is mapped to 127.0.0.1 so that every blog's host reaches the live server.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
# itself (never concurrently with a page action) are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    # `.test` (reserved, RFC 2606) names stand for custom domains in tests/e2e/test_https_caddy.py
    "--host-resolver-rules=MAP localhost 127.0.0.1, MAP *.localhost 127.0.0.1, "
    "MAP *.test 127.0.0.1",
]


def _chromium_path() -> str:
    path = os.environ.get("QUIRE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(
            "Chromium is needed for the browser tests: `make test` installs Debian's "
            "chromium package, or set QUIRE_CHROMIUM to a Chromium binary."
        )
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=_chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
