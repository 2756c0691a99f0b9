"""The staff console's blog list fits a 1280x800 window in real Chromium: no column is cut
off and the page does not scroll sideways."""

import pytest

from shared.accounts.models import User
from tests.accounts.mfa_helpers import mfa_login, totp_enrol
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/quire-console-1280.png"


def test_the_blog_list_fits_1280_px(live_server, browser, make_blog):
    for sub, name in [
        ("alpha", "Alpha — a blog with a rather long name about many things"),
        ("bravo-with-a-long-subdomain", "Bravo"),
        ("charlie", "Charlie"),
    ]:
        make_blog(sub, name=name)
    staff = User.objects.create_superuser(
        email="staff-with-a-long-address@example.org", password=PASSWORD
    )
    # Staff need their second factor for the console: log in with it, carry the session over.
    session = mfa_login(staff, totp_enrol(staff)).cookies["sessionid"].value
    port = live_server.url.rsplit(":", 1)[1]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_cookies(
        [{"name": "sessionid", "value": session, "url": f"http://localhost:{port}"}]
    )
    page = context.new_page()
    try:
        page.goto(f"http://localhost:{port}/admin/tenants/tenant/")
        page.wait_for_selector("#result_list")
        page.screenshot(path=SCREENSHOT, full_page=True)
        sizes = page.evaluate(
            """() => {
                const results = document.querySelector('#changelist .results');
                const table = document.querySelector('#result_list');
                const last = table.querySelector('thead th:last-child').getBoundingClientRect();
                return {
                    resultsScroll: results.scrollWidth, resultsClient: results.clientWidth,
                    pageScroll: document.documentElement.scrollWidth,
                    pageClient: document.documentElement.clientWidth,
                    lastRight: last.right,
                };
            }"""
        )
        assert sizes["resultsScroll"] <= sizes["resultsClient"], sizes
        assert sizes["pageScroll"] <= sizes["pageClient"], sizes
        assert sizes["lastRight"] <= 1280, sizes
        headers = page.locator("#result_list thead th").all_inner_texts()
        assert [h.strip().lower() for h in headers if h.strip()] == [
            "name", "domain", "owner", "plan", "status", "created at"
        ]  # fmt: skip
    finally:
        context.close()
