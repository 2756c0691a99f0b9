"""The editor's "Paywall here" button in Chromium: the marker goes on a line of its own at
the cursor, and the live preview shows the divider."""

import pytest

from tests.blog.test_paywall_io import MARKER, PUBLIC, SECRET
from tests.support.browser import LAPTOP, blog_base, log_in


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_paywall_button_puts_the_marker_on_its_own_line(live_server, browser, make_blog):
    tenant = make_blog("alpha")
    base = blog_base(live_server, tenant)
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, tenant.owner.email)
    page.goto(base + "/dashboard/posts/new/")
    body = page.locator("textarea[name=body]")
    body.fill(f"{PUBLIC} first.\n{SECRET} second.")
    page.evaluate(
        """(text) => { const b = document.querySelector("textarea[name=body]");
        const at = b.value.indexOf(text) + text.length;
        b.focus(); b.setSelectionRange(at, at); }""",
        f"{PUBLIC} first.",
    )
    page.get_by_role("button", name="Paywall here").click()
    assert body.input_value().split("\n") == [f"{PUBLIC} first.", MARKER, f"{SECRET} second."]
    divider = page.locator("#preview-body .paywall-divider")
    divider.wait_for()
    assert "Paywall" in divider.inner_text()
    page.get_by_role("button", name="Paywall here").click()  # at the end of the marker line
    assert body.input_value().count(MARKER) == 2
    assert f"\n{MARKER}\n{MARKER}\n" in body.input_value()
    context.close()
