"""Dashboard -> Analytics and the staff console's platform figures."""

from datetime import timedelta

import html5lib
import pytest
from django.utils import timezone

from analytics import selectors, services
from analytics.charts import nice_ticks
from analytics.models import DailyBreakdown, DailyViews
from audience.models import Subscriber
from tenants.context import tenant_context
from tests.analytics.conftest import PHONE, reader
from tests.blog.conftest import login, write
from tests.conftest import add_member, host_client
from tests.html import find, parse
from tests.support.console import staff_client

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"  # html5lib keeps inline SVG in its namespace


def seed_days(tenant, figures: dict[int, tuple[int, int]]):
    """{days ago: (views, visitors)} straight into the daily table."""
    today = timezone.now().date()
    for ago, (views, visitors) in figures.items():
        DailyViews.objects.create(
            tenant_id=tenant.id, day=today - timedelta(days=ago), views=views, visitors=visitors
        )


def test_owner_sees_views_visitors_chart_and_top_lists(
    tenant, password, django_assert_max_num_queries
):
    post = write(tenant, "Read me first")
    page = write(tenant, "About", kind="page")
    reader(tenant, HTTP_REFERER="https://example.org/x").get("/read-me-first/")
    reader(tenant, ua=PHONE).get("/read-me-first/")
    reader(tenant, ua=PHONE).get("/about/")
    reader(tenant).get("/feed/")
    services.analytics_flush()
    seed_days(tenant, {40: (999, 500)})  # outside 30 days: only in the 90-day view
    client = login(tenant, tenant.owner, password)
    with django_assert_max_num_queries(13):  # + one for the subscribers chart, two for comments
        response = client.get("/dashboard/analytics/")
    assert response.status_code == 200
    html = response.content
    html5lib.HTMLParser(strict=True).parse(html)  # no parse error at all, SVG included
    assert find(html, ".//strong[@id='total-views']").text == "3"
    assert find(html, ".//strong[@id='total-visitors']").text == "2"
    assert find(html, ".//strong[@id='total-feeds']").text == "1"
    top = find(html, ".//table[@id='top-posts']")
    cells = ["".join(td.itertext()) for td in top.iter("td")]
    assert cells == ["Read me first", "2", "About", "1"]
    assert top.find(".//a").get("href") == f"/{post.slug}/" and page.slug == "about"
    referrers = [
        "".join(td.itertext()) for td in find(html, ".//table[@id='top-referrers']").iter("td")
    ]
    assert referrers == ["example.org", "1"]
    devices = ["".join(td.itertext()) for td in find(html, ".//table[@id='devices']").iter("td")]
    assert devices == ["Phone", "2", "Desktop", "1"]
    assert b'id="countries"' not in html  # no GeoIP database configured
    svg = find(html, f".//figure[@class='chart']/{SVG}svg")
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Views" in labels and "Visitors" in labels and "UTC days" in labels
    assert "0" in labels  # the y axis starts at 0
    assert len(svg.findall(f".//{SVG}rect")) >= 30  # a bar per day
    assert b'href="/dashboard/analytics/" aria-current="page"' in html
    ninety = client.get("/dashboard/analytics/?days=90").content
    assert find(ninety, ".//strong[@id='total-views']").text == "1,002"
    seven = client.get("/dashboard/analytics/?days=7")
    assert (
        len(find(seven.content, f".//figure[@class='chart']/{SVG}svg").findall(f".//{SVG}g")) == 7
    )
    assert client.get("/dashboard/analytics/?days=junk").status_code == 200  # 30 days


def test_editors_see_analytics_authors_and_outsiders_do_not(tenant, other_tenant, password):
    editor = add_member(tenant, "editor")
    author = add_member(tenant, "author")
    assert login(tenant, editor, password).get("/dashboard/analytics/").status_code == 200
    response = login(tenant, author, password).get("/dashboard/analytics/")
    assert response.status_code == 403 and b"owners and editors" in response.content
    assert (
        b"/dashboard/analytics/" not in login(tenant, author, password).get("/dashboard/").content
    )
    # The owner of another blog is not a member here.
    stranger = host_client(tenant)
    assert stranger.login(email=other_tenant.owner.email, password=password)
    assert stranger.get("/dashboard/analytics/").status_code == 403
    assert host_client(tenant).get("/dashboard/analytics/").status_code == 302  # to login


def test_a_blogs_dashboard_never_shows_another_blogs_figures(tenant, other_tenant, password):
    write(tenant, "Alpha post")
    secret = write(other_tenant, "Bravo secret")
    for _ in range(4):
        reader(other_tenant, HTTP_REFERER="https://bravo-friends.example/").get("/bravo-secret/")
    services.analytics_flush()
    DailyBreakdown.objects.create(
        tenant_id=other_tenant.id, dimension="c", day=timezone.now().date(), key="NZ", views=4
    )
    html = login(tenant, tenant.owner, password).get("/dashboard/analytics/").content
    assert find(html, ".//strong[@id='total-views']").text == "0"
    assert b"bravo-friends" not in html and b"Bravo secret" not in html and b"NZ" not in html
    assert secret.id  # the post exists, on the other blog
    other = login(other_tenant, other_tenant.owner, password).get("/dashboard/analytics/").content
    assert find(other, ".//strong[@id='total-views']").text == "4"
    assert b"bravo-friends.example" in other and b"NZ" in other


def test_subscribers_over_time_counts_this_blogs_confirmed_readers_only(
    tenant, other_tenant, password
):
    now = timezone.now()
    with tenant_context(tenant):
        for ago, ended_ago in ((20, None), (5, None), (3, 1), (2, None)):
            Subscriber.objects.create(
                email=f"r{ago}@example.org",
                status=Subscriber.Status.CONFIRMED if ended_ago is None else "unsubscribed",
                confirmed_at=now - timedelta(days=ago),
                ended_at=None if ended_ago is None else now - timedelta(days=ended_ago),
            )
        Subscriber.objects.create(email="never@example.org")  # pending: never counted
        days = selectors.period_days(days=7, today=now.date())
        assert selectors.subscribers_per_day(days=days) == [1, 2, 2, 3, 4, 3, 3]
    with tenant_context(other_tenant):
        Subscriber.objects.bulk_create(
            Subscriber(email=f"b{i}@example.org", status="confirmed", confirmed_at=now)
            for i in range(7)
        )
        assert selectors.subscribers_per_day(days=days)[-1] == 7
    html = login(tenant, tenant.owner, password).get("/dashboard/analytics/?days=7").content
    charts = [
        svg for svg in parse(html).iter(f"{SVG}svg") if "Subscribers" in "".join(svg.itertext())
    ]
    assert len(charts) == 1


def test_chart_ticks_are_round():
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(1234) == [0, 500, 1000, 1500]


def test_console_shows_platform_views_per_day_and_the_most_read_blogs(make_blog, password):
    alpha, bravo, quiet = (
        make_blog("alpha", name="Alpha Notes"),
        make_blog("bravo"),
        make_blog("quiet"),
    )
    seed_days(alpha, {0: (10, 4), 1: (5, 2)})
    seed_days(bravo, {0: (30, 9), 45: (1000, 100)})
    client = staff_client(password)
    html = client.get("/admin/tenants/tenant/console/").content
    parse(html)
    table = find(html, ".//table[@id='most-read']")
    rows = [["".join(td.itertext()) for td in tr.iter("td")] for tr in table.iter("tr")][1:]
    assert rows == [["Bravo", "30", "9"], ["Alpha Notes", "15", "6"]]
    assert quiet.name not in str(rows)
    chart = find(html, f".//figure[@class='chart']/{SVG}svg")
    assert "Feed fetches" in [t.text for t in chart.iter(f"{SVG}text")]
    figures = selectors.platform_views_per_day(days=30, today=timezone.now().date())
    assert [v for _d, v, _f in figures][-2:] == [5, 40]
