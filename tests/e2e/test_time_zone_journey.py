"""The browser's own time zone becomes the member's at the first visit after logging in."""

import time

import pytest

from shared.accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_browsers_time_zone_is_taken_at_login(live_server, browser):
    base = live_server.url.replace("127.0.0.1", "localhost")
    person = UserFactory(email="tokyo@example.org")
    context = browser.new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=login]", "tokyo@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.click("form:has(input[name=password]) button[type=submit]")
        page.wait_for_url(f"{base}/blogs/")
        deadline = time.monotonic() + 10
        while User.objects.get(pk=person.pk).time_zone != "Asia/Tokyo":
            assert time.monotonic() < deadline, "the browser's time zone never arrived"
            time.sleep(0.2)
        page.reload()
        assert "Time zone (Asia/Tokyo)" in page.content()
    finally:
        context.close()
