"""A security key / passkey through Chromium's virtual authenticator (WebAuthn over CDP):
add one on the root domain, log out, log in with it alone."""

import pytest
from allauth.mfa.models import Authenticator

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_add_a_passkey_and_log_in_with_it(live_server, browser):
    base = live_server.url.replace("127.0.0.1", "localhost")
    person = UserFactory(email="key@example.org")
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=login]", "key@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.click("form:has(input[name=password]) button[type=submit]")
        page.wait_for_url(f"{base}/blogs/")

        page.goto(f"{base}/accounts/2fa/webauthn/add/?passwordless")
        if "/reauthenticate/" in page.url:
            page.fill("input[name=password]", PASSWORD)
            page.click("form:has(input[name=password]) button[type=submit]")
            page.wait_for_url(f"{base}/accounts/2fa/webauthn/add/**")
        page.fill("input[name=name]", "Laptop")
        passwordless = page.locator("input[name=passwordless]")
        if passwordless.count():
            passwordless.check()
        page.click("#mfa_webauthn_add")
        page.wait_for_url(lambda url: "/webauthn/add/" not in url)
        assert Authenticator.objects.filter(user=person, type="webauthn").exists()

        page.click("text=Log out")
        page.wait_for_load_state()
        page.goto(f"{base}/accounts/login/")
        page.click("#passkey_login")  # no email, no password: the passkey alone
        page.wait_for_url(f"{base}/blogs/")
        assert "My blogs" in page.content()
    finally:
        context.close()
