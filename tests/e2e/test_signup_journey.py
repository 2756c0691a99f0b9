import re

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_up_write_publish_and_read(live_server, page):
    port = live_server.url.rsplit(":", 1)[1]
    page.goto(f"http://localhost:{port}/signup/")
    page.fill("input[name=blog_name]", "Night Notes")
    page.fill("input[name=subdomain]", "NightNotes")
    page.fill("input[name=email]", "night@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")

    page.wait_for_url(f"http://nightnotes.localhost:{port}/dashboard/")
    assert "night@example.org" in page.content()

    page.click("text=New post")
    page.fill("input[name=title]", "Under the stars")
    page.fill("textarea[name=body]", "The sky was *clear* tonight.")
    page.fill("input[name=tags]", "Sky, Night")
    page.click("button[name=publish]")
    page.wait_for_url(re.compile(r".*/dashboard/$"))
    assert "Published" in page.content()

    page.goto(f"http://nightnotes.localhost:{port}/")
    assert page.locator("h2 a", has_text="Under the stars").is_visible()
    page.click("text=Under the stars")
    page.wait_for_url(f"http://nightnotes.localhost:{port}/under-the-stars/")
    assert page.locator("article em", has_text="clear").is_visible()
