"""Countries from a real MaxMind DB file: written here (mmdb-writer), read by geoip2 through
Django's GeoIP2, as production reads a GeoLite2-Country database."""

import pytest
from django.core.management import call_command
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from analytics import geo, services
from analytics.models import DailyBreakdown
from tests.analytics.conftest import BROWSER, reader
from tests.blog.conftest import write
from tests.conftest import host_client
from tests.support.counts import counts


@pytest.fixture
def country_db(tmp_path, settings):
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country")
    for network, code in (("203.0.113.0/24", "NZ"), ("198.51.100.0/24", "BR")):
        writer.insert_network(IPSet([network]), {"country": {"iso_code": code}})
    path = tmp_path / "GeoLite2-Country.mmdb"
    writer.to_db_file(str(path))
    geo._geoip.cache_clear()
    settings.QUIRE_GEOIP_PATH = str(path)
    yield path
    geo._geoip.cache_clear()


def test_a_readers_country_is_counted_and_shown_to_the_owner(
    tenant, country_db, owner_client, settings
):
    write(tenant, "Hello")
    reader(tenant, ip="203.0.113.9").get("/hello/")
    reader(tenant, ip="203.0.113.10").get("/hello/")  # a page-cache hit: counted the same
    reader(tenant, ip="198.51.100.4").get("/")
    reader(tenant, ip="192.0.2.1").get("/")  # in no network of the file: no country
    found = counts(tenant)
    assert (found.get("c|NZ"), found.get("c|BR"), found["v"]) == (2, 1, 4)
    services.analytics_flush()
    rows = dict(
        DailyBreakdown.objects.filter(tenant_id=tenant.id, dimension="c").values_list(
            "key", "views"
        )
    )
    assert rows == {"NZ": 2, "BR": 1}
    page = owner_client.get("/dashboard/analytics/").content.decode()
    assert 'id="countries"' in page and "NZ" in page


def test_a_proxied_readers_own_address_decides_the_country(tenant, country_db):
    write(tenant, "Hello")
    # Through a trusted proxy (loopback): X-Forwarded-For names the reader.
    host_client(tenant).get("/hello/", HTTP_X_FORWARDED_FOR="203.0.113.50", HTTP_USER_AGENT=BROWSER)
    assert counts(tenant).get("c|NZ") == 1


def test_another_blog_never_gets_its_countries(tenant, other_tenant, country_db):
    write(tenant, "Hello")
    reader(tenant, ip="203.0.113.9").get("/hello/")
    assert counts(tenant).get("c|NZ") == 1
    assert not [k for k in counts(other_tenant) if k.startswith("c|")]


def test_the_startup_check_takes_the_real_file(country_db):
    call_command("check")  # analytics.E001/E002 stay silent for a readable database
