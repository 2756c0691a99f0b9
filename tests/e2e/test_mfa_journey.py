"""Browser journeys: enrol an authenticator app (the code computed from the secret the page
shows) and log in with it; staff without two-factor cannot use the console."""

import time

import pytest

from tests.accounts.mfa_helpers import fresh_code_window, totp_code
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")


def test_enrol_totp_and_log_in_with_it(live_server, page):
    base = live_server.url.replace("127.0.0.1", "localhost")
    UserFactory(email="otp@example.org")
    log_in(page, base, "otp@example.org")
    page.wait_for_url(f"{base}/blogs/")

    page.goto(f"{base}/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.click("form:has(input[name=password]) button[type=submit]")
        page.wait_for_url(f"{base}/accounts/2fa/totp/activate/")
    secret = page.input_value("#authenticator_secret")
    fresh_code_window()
    used = totp_code(secret)
    page.fill("input[name=code]", used)
    page.click("form:has(input[name=code]) button[type=submit]")
    page.wait_for_url(f"{base}/accounts/2fa/**")
    assert page.locator("text=Recovery Codes").first.is_visible()

    page.click("text=Log out")
    page.wait_for_load_state()
    log_in(page, base, "otp@example.org")
    page.wait_for_url(f"{base}/accounts/2fa/authenticate/")
    while totp_code(secret) == used:  # a code works once: wait for the app's next one
        time.sleep(1)
    page.fill("input[name=code]", totp_code(secret))
    page.click("form:has(input[name=code]) button[type=submit]")
    page.wait_for_url(f"{base}/blogs/")


def test_staff_without_two_factor_cannot_open_the_console(live_server, page):
    base = live_server.url.replace("127.0.0.1", "localhost")
    UserFactory(email="boss@example.org", is_staff=True, is_superuser=True)
    log_in(page, base, "boss@example.org")
    page.wait_for_url(f"{base}/blogs/")
    page.goto(f"{base}/admin/")
    page.wait_for_url(f"{base}/accounts/2fa/")
    assert "Staff accounts need two-factor authentication" in page.content()
