"""Counting reader traffic in Redis, cache hits included; what is not counted; nothing about a
person kept. Real Redis, real requests through the whole middleware stack."""

import ipaddress
import pickle
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.utils import timezone

from analytics import counting, services
from analytics.models import DailyBreakdown, DailyViews
from tests.analytics.conftest import BROWSER, PHONE, READER_IP, reader, redis_dump
from tests.blog.conftest import login, write
from tests.support.counts import GOOGLEBOT, counts

pytestmark = pytest.mark.django_db


def test_views_are_counted_on_page_cache_hits_and_misses(tenant):
    post = write(tenant, "Hello there")
    client = reader(tenant)
    first = client.get("/hello-there/")
    second = client.get("/hello-there/")
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    client.get("/")
    client.get("/archive/")
    assert client.get("/tag/x/").status_code == 404  # a tag no post has: not counted
    got = counts(tenant)
    assert got["v"] == 4
    assert got[f"p|{post.id}"] == 2
    assert got["d|desktop"] == 4
    assert counting.redis_client().pfcount(counting.unique_key(timezone.now().date(), tenant.id))
    assert "f" not in got


def test_a_revalidated_page_counts_as_a_view_and_feeds_as_fetches(tenant):
    write(tenant, "Hello")
    client = reader(tenant)
    etag = client.get("/hello/")["ETag"]
    assert client.get("/hello/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    feed_etag = client.get("/feed/")["ETag"]
    assert client.get("/feed/", HTTP_IF_NONE_MATCH=feed_etag).status_code == 304
    client.get("/rss/")
    client.get("/sitemap.xml")
    client.get("/robots.txt")
    client.head("/hello/")
    got = counts(tenant)
    assert (got["v"], got["f"]) == (2, 3)


def test_bots_prefetches_and_members_are_not_counted(tenant, password):
    write(tenant, "Hello")
    reader(tenant, ua=GOOGLEBOT).get("/hello/")
    reader(tenant, ua="").get("/hello/")
    reader(tenant, ua="curl/8.5.0").get("/hello/")
    reader(tenant, HTTP_SEC_PURPOSE="prefetch").get("/hello/")
    login(tenant, tenant.owner, password).get("/hello/")
    assert counts(tenant) == {}
    # A feed reader is counted for feeds (that is what they are for), not a search crawler.
    reader(tenant, ua="Feedly/1.0 (+http://www.feedly.com/fetcher.html; 5 subscribers)").get(
        "/feed/"
    )
    reader(tenant, ua=GOOGLEBOT).get("/feed/")
    assert counts(tenant) == {"f": 1}


def test_referrer_domain_and_device_class(tenant):
    write(tenant, "Hello")
    reader(tenant, HTTP_REFERER="https://www.example.org/some/path?q=1").get("/hello/")
    reader(tenant, HTTP_REFERER="http://alpha.localhost/").get("/hello/")  # the blog itself
    reader(tenant, ua=PHONE, HTTP_REFERER="https://news.ycombinator.com/").get("/")
    got = counts(tenant)
    assert got["r|example.org"] == 1 and got["r|news.ycombinator.com"] == 1
    assert not any(k.startswith("r|alpha") for k in got)
    assert (got["d|desktop"], got["d|mobile"]) == (2, 1)
    assert counting.device_class(
        "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
    ) == ("tablet")
    assert counting.referrer_domain("javascript:alert(1)", own_host="a.localhost") == ""
    assert counting.referrer_domain("http://exa mple.org/", own_host="a.localhost") == ""


def test_no_cookie_set_and_no_address_stored_anywhere(tenant):
    post = write(tenant, "Hello")
    client = reader(tenant, HTTP_REFERER="https://example.org/")
    for path in ("/", "/hello/", "/hello/", "/feed/"):
        response = client.get(path)
        assert not response.cookies and "Set-Cookie" not in response
    services.analytics_flush()
    assert DailyViews.objects.get(tenant_id=tenant.id).views == 3
    assert DailyBreakdown.objects.get(tenant_id=tenant.id, dimension="p").key == str(post.id)
    # The address in any form it could be written in: text, packed bytes, as an integer.
    forms = [READER_IP.encode(), ipaddress.ip_address(READER_IP).packed]
    forms.append(str(int(ipaddress.ip_address(READER_IP))).encode())
    dump = redis_dump()
    assert dump and not [f for f in forms if f in dump]
    with connection.cursor() as cursor:
        for table in ("analytics_dailyviews", "analytics_dailybreakdown", "analytics_flushedbatch"):
            cursor.execute(f"SELECT t::text FROM {table} t")  # noqa: S608 (fixed names)
            text = "\n".join(row[0] for row in cursor.fetchall())
            assert text and READER_IP not in text and BROWSER not in text


def test_visitors_are_counted_per_day_from_a_salted_hash_that_changes_with_the_day(tenant):
    write(tenant, "Hello")
    reader(tenant).get("/hello/")
    reader(tenant).get("/")  # the same person
    reader(tenant, ip="198.51.100.24").get("/hello/")  # another one
    reader(tenant, ua=PHONE).get("/hello/")  # another device
    today = timezone.now().astimezone(UTC).date()
    counting.counts_sync()
    client = counting.redis_client()
    assert client.pfcount(counting.unique_key(today, tenant.id)) == 3
    # The day's salt is random, kept in Redis only until an hour after its day, then gone.
    ttl = client.ttl(counting.salt_key(today))
    end_of_day = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    assert 0 < ttl <= (end_of_day - datetime.now(UTC)).total_seconds() + 3600 + 1
    salt_today = counting._salt_for(client, today)
    salt_tomorrow = counting._salt_for(client, today + timedelta(days=1))
    assert salt_today != salt_tomorrow and len(salt_today) == 16
    same = dict(tenant_id=tenant.id, ip=READER_IP, user_agent=BROWSER)
    assert counting.visitor_hash(salt=salt_today, **same) != counting.visitor_hash(
        salt=salt_tomorrow, **same
    )
    assert counting.visitor_hash(salt=salt_today, **same) == counting.visitor_hash(
        salt=salt_today, **same
    )
    assert counting.visitor_hash(salt=salt_today, **same) != counting.visitor_hash(
        salt=salt_today, **(same | {"tenant_id": tenant.id + 1})
    )


def test_one_blogs_readers_never_count_for_another(tenant, other_tenant):
    write(tenant, "Alpha post")
    write(other_tenant, "Bravo post")
    for _ in range(3):
        reader(other_tenant).get("/bravo-post/")
    reader(tenant).get("/alpha-post/")
    assert counts(tenant)["v"] == 1 and counts(other_tenant)["v"] == 3
    services.analytics_flush()
    rows = {r.tenant_id: r.views for r in DailyViews.objects.all()}
    assert rows == {tenant.id: 1, other_tenant.id: 3}


def test_counting_off_counts_nothing(tenant, settings):
    settings.QUIRE_ANALYTICS = False
    write(tenant, "Hello")
    reader(tenant).get("/hello/")
    reader(tenant).get("/feed/")
    assert counts(tenant) == {}
    assert reader(tenant).post("/_quire/view", "{}", content_type="text/plain").status_code == 404


def test_without_a_geoip_database_no_country_is_recorded(tenant, settings):
    settings.QUIRE_GEOIP_PATH = ""
    write(tenant, "Hello")
    reader(tenant, ip="8.8.8.8").get("/hello/")
    assert not [k for k in counts(tenant) if k.startswith("c|")]
    assert counts(tenant)["v"] == 1


def test_a_geoip_path_without_its_package_or_file_stops_startup(settings, tmp_path):
    settings.QUIRE_GEOIP_PATH = str(tmp_path / "missing.mmdb")
    with pytest.raises(SystemCheckError, match=r"analytics\.E00[12]"):
        call_command("check")
    settings.QUIRE_GEOIP_PATH = ""
    call_command("check")


def test_redis_down_loses_the_count_not_the_page(tenant, settings):
    write(tenant, "Hello")
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = reader(tenant).get("/hello/")
    assert response.status_code == 200 and b"Hello" in response.content


def test_a_cache_hit_is_counted_in_its_lookup_round_trip_and_only_what_counts(tenant, settings):
    post = write(tenant, "Hello")
    client = reader(tenant)
    sender = counting._sender(settings.REDIS_URL)
    sent = sender.sent
    first = client.get("/hello/")
    assert first["X-Cache"] == "miss" and not first.wsgi_request.reader_counted
    assert sender.sent == sent + 1  # counted after the response: one pipeline
    hit = client.get("/hello/")
    # Counted by the page lookup's script: nothing more sent, counted once with its post.
    assert hit["X-Cache"] == "hit" and hit.wsgi_request.reader_counted
    assert sender.sent == sent + 1
    revalidated = client.get("/hello/", HTTP_IF_NONE_MATCH=hit["ETag"])
    assert revalidated.status_code == 304 and revalidated.wsgi_request.reader_counted
    assert sender.sent == sent + 1
    got = counts(tenant)
    assert (got["v"], got[f"p|{post.id}"], got["d|desktop"]) == (3, 3, 3)
    # A cached 404 is a hit but no view; an If-Match that fails is a 412, not a view.
    assert client.get("/tag/nothing/").status_code == 404
    missing = client.get("/tag/nothing/")
    assert missing["X-Cache"] == "hit" and not getattr(
        missing.wsgi_request, "reader_counted", False
    )
    assert sender.sent == sent + 1  # nothing sent for it
    assert client.get("/hello/", HTTP_IF_MATCH='"other"').status_code == 412
    # A feed hit is a feed fetch; a page stale after a change is rendered and counted once.
    client.get("/feed/")
    feed = client.get("/feed/")
    assert feed["X-Cache"] == "hit" and feed.wsgi_request.reader_counted
    write(tenant, "Another")
    assert client.get("/hello/")["X-Cache"] == "miss"
    got = counts(tenant)
    assert (got["v"], got["f"], got[f"p|{post.id}"]) == (4, 2, 4)
    # With the beacon on, the lookup counts no page (the beacon does), still feeds.
    settings.QUIRE_ANALYTICS_BEACON = True
    page = client.get("/hello/")
    assert page["X-Cache"] == "hit" and not getattr(page.wsgi_request, "reader_counted", 0)
    assert client.get("/feed/")["X-Cache"] == "miss"  # stale since the new post
    assert client.get("/feed/").wsgi_request.reader_counted
    got = counts(tenant)
    assert (got["v"], got["f"]) == (4, 4)


def test_a_cached_page_without_its_header_line_is_a_miss(tenant):
    write(tenant, "Hello")
    client = reader(tenant)
    client.get("/hello/")
    redis = counting.redis_client()
    keys = list(redis.scan_iter(match="quire:blog:*:pg:*"))
    version = int(redis.get(f"quire:blog:{tenant.schema_name}:version"))
    for key in keys:  # (version, status, headers, content): the format before the header line
        redis.set(key, pickle.dumps((version, 200, {}, b"old")))
    response = client.get("/hello/")
    assert response["X-Cache"] == "miss" and b"Hello" in response.content
    assert counts(tenant)["v"] == 2
