"""The browser tests' viewports, blog addresses, log-in and screenshot folder."""

import os
import re
from pathlib import Path

from tests.factories import PASSWORD

PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 800}


def blog_base(live_server, tenant) -> str:
    port = live_server.url.rsplit(":", 1)[1]
    return f"http://{tenant.subdomain}.localhost:{port}"


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()  # not the search box
    page.wait_for_url(re.compile(r".*/dashboard/$"))


def shots_dir(tmp_path: Path) -> Path:
    """Screenshots for a person to look at: QUIRE_SCREENSHOTS, or the test's tmp dir."""
    path = Path(os.environ.get("QUIRE_SCREENSHOTS") or tmp_path)
    path.mkdir(parents=True, exist_ok=True)
    return path
