"""Real Chromium: a reader's visits are counted (page-cache hits too) with no cookie; behind
real Varnish, pages served from the front cache are counted once each by the beacon."""

import re

import pytest

from analytics import services
from analytics.models import DailyBreakdown, DailyViews
from tests.analytics.conftest import BROWSER
from tests.blog.conftest import write
from tests.factories import PASSWORD
from tests.support.browser import shots_dir
from tests.support.varnish import varnish_in_front_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def visit(browser, url: str, *, wait_beacon: bool = False):
    """A reader's visit in a fresh browser profile (nothing cached in the browser)."""
    context = browser.new_context(user_agent=BROWSER)  # headless Chromium says it is a bot
    page = context.new_page()
    try:
        if wait_beacon:
            with page.expect_request(lambda r: r.url.endswith("/_quire/view")) as sent:
                response = page.goto(url)
            assert sent.value.method == "POST"
            page.wait_for_timeout(200)  # the beacon's answer
        else:
            response = page.goto(url)
        assert response.status == 200
        cookies = context.cookies()
        return response, cookies
    finally:
        context.close()


def test_a_readers_visits_are_counted_without_cookies(live_server, browser, make_blog, tmp_path):
    alpha = make_blog("alpha")
    post = write(alpha, "Counted post")
    port = live_server.url.rsplit(":", 1)[1]
    first, cookies = visit(browser, f"http://alpha.localhost:{port}/counted-post/")
    second, more = visit(browser, f"http://alpha.localhost:{port}/counted-post/")
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert cookies == [] and more == []
    visit(browser, f"http://alpha.localhost:{port}/")
    services.analytics_flush()
    row = DailyViews.objects.get(tenant_id=alpha.id)
    assert (row.views, row.visitors) == (3, 1)
    assert DailyBreakdown.objects.get(tenant_id=alpha.id, dimension="p").key == str(post.id)
    # The owner sees them: the chart and the top post, in the browser.
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"http://alpha.localhost:{port}/accounts/login/")
        page.fill("input[name=login]", alpha.owner.email)
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="Log in", exact=True).click()
        page.wait_for_url(re.compile(r".*/dashboard/$"))
        page.get_by_role("link", name="Analytics").click()
        page.wait_for_url(re.compile(r".*/dashboard/analytics/$"))
        assert page.inner_text("#total-views") == "3"
        assert "Counted post" in page.inner_text("#top-posts")
        views = page.locator("figure.chart").first  # then subscribers, comments and likes
        bars = views.locator("svg rect")
        assert bars.count() >= 30 and views.locator("svg polyline").count() == 1
        page.screenshot(path=str(shots_dir(tmp_path) / "analytics-1280.png"), full_page=True)
    finally:
        page.close()


def test_behind_varnish_the_beacon_counts_each_view_once(live_server, browser, make_blog, settings):
    settings.QUIRE_ANALYTICS_BEACON = True
    alpha = make_blog("alpha")
    post = write(alpha, "Front cached")
    backend = int(live_server.url.rsplit(":", 1)[1])
    with varnish_in_front_of(backend) as front:
        url = front.rstrip("/").replace("127.0.0.1", "alpha.localhost") + "/front-cached/"
        first, cookies = visit(browser, url, wait_beacon=True)
        second, _ = visit(browser, url, wait_beacon=True)
        third, _ = visit(browser, url, wait_beacon=True)
    fronted = [r.headers["x-front-cache"] for r in (first, second, third)]
    assert fronted == ["MISS", "HIT", "HIT"] and cookies == []
    services.analytics_flush()
    assert DailyViews.objects.get(tenant_id=alpha.id).views == 3  # not 4: Django's own skipped
    assert DailyBreakdown.objects.get(tenant_id=alpha.id, dimension="p").key == str(post.id)
