"""The cookieless beacon, for reader pages served by a shared cache (QUIRE_ANALYTICS_BEACON).
The browser journeys are in tests/e2e/test_analytics_journey.py."""

import json

import pytest
from django.utils import timezone

from analytics import beacon, counting
from tests.analytics.conftest import reader
from tests.blog.conftest import login, write
from tests.html import parse
from tests.support.counts import GOOGLEBOT, counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def beacon_on(settings):
    settings.QUIRE_ANALYTICS_BEACON = True


def script_of(html: bytes) -> str:
    scripts = [s.text or "" for s in parse(html).iter("script")]
    return "".join(scripts)


def send(client, body, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/_quire/view", data, content_type="text/plain;charset=UTF-8", **extra)


def test_reader_pages_carry_the_beacon_and_django_does_not_count_them_twice(
    tenant, beacon_on, password
):
    post = write(tenant, "Hello")
    client = reader(tenant)
    page = client.get("/hello/").content
    token = beacon.token_make(tenant_id=tenant.id, post_id=post.id)
    assert f'v:"{token}"' in script_of(page) and "sendBeacon" in script_of(page)
    assert "sendBeacon" in script_of(client.get("/").content)
    assert "sendBeacon" in script_of(client.get("/archive/").content)
    assert script_of(client.get("/no-such-post/").content) == ""  # a 404 is not a view
    assert script_of(login(tenant, tenant.owner, password).get("/hello/").content) == ""
    assert script_of(login(tenant, tenant.owner, password).get("/dashboard/").content) == ""
    client.get("/hello/")  # a page-cache hit
    client.get("/feed/")
    assert counts(tenant) == {"f": 1}  # pages left to the beacon; feeds still counted here
    response = send(client, {"v": token, "r": "https://example.org/a"})
    assert response.status_code == 204 and not response.cookies
    assert response["Cache-Control"] == "no-store"
    got = counts(tenant)
    assert (got["v"], got[f"p|{post.id}"], got["r|example.org"]) == (1, 1, 1)
    home_token = beacon.token_make(tenant_id=tenant.id, post_id=None)
    assert send(client, {"v": home_token, "r": ""}).status_code == 204
    assert counts(tenant)["v"] == 2 and counts(tenant)[f"p|{post.id}"] == 1


def test_the_beacon_refuses_junk_and_other_blogs_tokens(tenant, other_tenant, beacon_on):
    post = write(tenant, "Hello")
    client = reader(tenant)
    theirs = beacon.token_make(tenant_id=other_tenant.id, post_id=post.id)
    forged = f"{post.id + 1}.{beacon.token_make(tenant_id=tenant.id, post_id=post.id)[-16:]}"
    for body in ({"v": theirs}, {"v": forged}, {"r": "x"}, "not json", "[]", {"v": "x" * 3000}):
        assert send(client, body).status_code == 400, body
    assert client.get("/_quire/view").status_code == 405
    ok = beacon.token_make(tenant_id=tenant.id, post_id=post.id)
    assert send(reader(tenant, ua=GOOGLEBOT), {"v": ok}).status_code == 204  # not counted
    assert counts(tenant) == {}
    # B's beacon for its own pages counts for B only.
    write(other_tenant, "Theirs")
    theirs_home = beacon.token_make(tenant_id=other_tenant.id, post_id=None)
    assert send(reader(other_tenant), {"v": theirs_home}).status_code == 204
    assert counts(tenant) == {} and counts(other_tenant)["v"] == 1


def test_without_the_setting_there_is_no_beacon(tenant):
    write(tenant, "Hello")
    assert "sendBeacon" not in script_of(reader(tenant).get("/hello/").content)
    token = beacon.token_make(tenant_id=tenant.id, post_id=None)
    assert send(reader(tenant), {"v": token}).status_code == 404
    assert counts(tenant)["v"] == 1  # the page view, counted by Django itself
    today = timezone.now().date()
    assert counting.redis_client().exists(counting.counts_key(today))
