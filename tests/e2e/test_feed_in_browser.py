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


def test_the_search_box_fits_a_phone_and_searches_its_own_blog(live_server, browser, make_blog):
    from blog import search
    from tenants.context import tenant_context

    alpha, bravo = make_blog("alpha"), make_blog("bravo")
    write(alpha, "Pelicans at dawn", body="Big birds by the sea.")
    write(bravo, "Bravo pelicans", body="pelican pelican")
    for blog in (alpha, bravo):
        with tenant_context(blog):
            search.search_index_rebuild(config=search.search_config(tenant=blog))
    port = live_server.url.rsplit(":", 1)[1]
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto(f"http://alpha.localhost:{port}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.fill("header input[name=q]", "pelican")
        page.press("header input[name=q]", "Enter")
        page.wait_for_url(f"http://alpha.localhost:{port}/search/?q=pelican")
        text = page.inner_text("main")
        assert "Pelicans at dawn" in text and "Bravo pelicans" not in text
    finally:
        context.close()
