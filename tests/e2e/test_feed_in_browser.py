"""A visitor who clicks "Feed" sees a readable page in Chromium, not raw XML."""

import pytest

from tests.blog.conftest import write

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clicking_feed_shows_a_how_to_follow_page(live_server, page, make_blog):
    alpha, bravo = make_blog("alpha", name="Alpha Notes"), make_blog("bravo", name="Bravo Log")
    write(alpha, "Morning light")
    write(bravo, "Bravo only")
    port = live_server.url.rsplit(":", 1)[1]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"http://alpha.localhost:{port}/")
    page.click("footer >> text=Feed")
    page.wait_for_url(f"http://alpha.localhost:{port}/feed/")
    text = page.inner_text("body")
    assert "Alpha Notes" in text and "Subscribe" in text
    assert "Morning light" in text and "Bravo only" not in text
    assert "<feed" not in page.content()  # rendered, not shown as XML source
    assert page.locator("a", has_text="Morning light").get_attribute("href") == (
        f"http://alpha.localhost:{port}/morning-light/"
    )
    page.goto(f"http://alpha.localhost:{port}/rss/")
    assert "Subscribe" in page.inner_text("body")
    assert errors == []  # no missing favicon, no refused stylesheet
