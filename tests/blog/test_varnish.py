"""Real Varnish (varnish/quire.vcl, vmod xkey) in front of the live test server."""

import time

import pytest
import requests
from django.test import Client

from lib.urls import blog_host
from tests.blog.conftest import write
from tests.cache_headers import security_headers
from tests.conftest import PASSWORD
from tests.support.counts import counts
from tests.support.varnish import VCL, varnish_in_front_of


@pytest.fixture
def varnish(live_server, settings):
    backend_port = int(live_server.url.rsplit(":", 1)[1])
    with varnish_in_front_of(backend_port) as url:
        settings.QUIRE_PURGER = "blog.purge.purge_varnish"
        settings.QUIRE_VARNISH_URLS = [url]
        yield url


def get(varnish: str, blog, path: str = "/", **headers) -> requests.Response:
    return requests.get(
        varnish.rstrip("/") + path,
        headers={"Host": blog_host(blog.subdomain), **headers},
        timeout=10,
    )


def test_pages_are_served_by_varnish_and_a_publish_purges_only_that_blog(
    transactional_db, varnish, make_blog
):
    alpha, bravo = make_blog("varnisha"), make_blog("varnishb")
    write(alpha, "Alpha first")
    write(bravo, "Bravo first")
    for blog in (alpha, bravo):
        first = get(varnish, blog)
        assert first.status_code == 200
        assert first.headers["X-Front-Cache"] == "MISS"
        again = get(varnish, blog)
        assert again.headers["X-Front-Cache"] == "HIT"
        assert "Age" in again.headers
        assert "xkey" not in again.headers  # the keys stay in Varnish

    started = time.monotonic()
    write(alpha, "Alpha breaking news")  # commits, then purges alpha's key
    fresh = get(varnish, alpha)
    assert time.monotonic() - started < 1
    assert fresh.headers["X-Front-Cache"] == "MISS"
    assert "Alpha breaking news" in fresh.text
    assert get(varnish, alpha).headers["X-Front-Cache"] == "HIT"
    # Bravo's page was not purged, and never shows alpha's post.
    other = get(varnish, bravo)
    assert other.headers["X-Front-Cache"] == "HIT"
    assert "Alpha" not in other.text


def test_editing_a_post_purges_its_page_and_the_lists_but_not_the_other_posts(
    transactional_db, varnish, make_blog
):
    from blog.services import posts as post_services
    from tenants.context import tenant_context

    blog = make_blog("varnishe")
    edited, other = write(blog, "Edit me soon"), write(blog, "Leave me alone")
    pages = ["/", "/feed/", "/tag/news/", f"/{edited.slug}/", f"/{other.slug}/"]
    with tenant_context(blog):
        post_services.post_update(
            tenant=blog, post=edited, title="Edit me soon", body="First words.", tags="news",
            action="publish",
        )  # fmt: skip
    for path in pages:
        get(varnish, blog, path)
        # Feeds go through to Quire (counted there, answered from its page cache).
        expected = "MISS" if path.endswith("/feed/") else "HIT"
        assert get(varnish, blog, path).headers["X-Front-Cache"] == expected, path

    started = time.monotonic()
    with tenant_context(blog):
        post_services.post_update(
            tenant=blog, post=edited, title="Edited title", body="Second words.", tags="news",
            action="publish",
        )  # fmt: skip
    after = {path: get(varnish, blog, path) for path in pages}
    assert time.monotonic() - started < 1
    for path in pages[:4]:  # the post's own page and every list it shows up on
        assert after[path].headers["X-Front-Cache"] == "MISS", path
        assert "Edited title" in after[path].text, path
        assert "Edit me soon" not in after[path].text, path
    assert "Second words." in after[f"/{edited.slug}/"].text
    # The other post's page never showed the edited one: still served from the front cache.
    assert after[f"/{other.slug}/"].headers["X-Front-Cache"] == "HIT"


def test_logged_in_readers_pass_through_and_are_never_stored(transactional_db, varnish, make_blog):
    blog = make_blog("varnishc")
    write(blog, "Hello")
    client = Client(HTTP_HOST=blog_host(blog.subdomain))
    assert client.login(email=blog.owner.email, password=PASSWORD)
    session = client.cookies["sessionid"].value

    assert get(varnish, blog).headers["X-Front-Cache"] == "MISS"
    assert get(varnish, blog).headers["X-Front-Cache"] == "HIT"
    for _ in range(2):
        mine = get(varnish, blog, Cookie=f"sessionid={session}")
        assert mine.headers["X-Front-Cache"] == "MISS"
        assert "no-store" in mine.headers["Cache-Control"]
        assert "/dashboard/" in mine.text  # the owner's own view, not the shared copy
    dashboard = get(varnish, blog, "/dashboard/", Cookie=f"sessionid={session}")
    assert dashboard.status_code == 200
    assert dashboard.headers["X-Front-Cache"] == "MISS"
    # An anonymous reader still gets the shared copy, without the owner's links.
    shared = get(varnish, blog)
    assert shared.headers["X-Front-Cache"] == "HIT"
    assert "/dashboard/" not in shared.text


def test_only_the_application_hosts_may_purge(transactional_db, varnish):
    refused = requests.request("PURGE", varnish, timeout=5)
    assert refused.status_code == 400  # from loopback: allowed, but a key is required
    done = requests.request("PURGE", varnish, headers={"xkey-purge": "blog-t_nothing"}, timeout=5)
    assert done.status_code == 200


def test_compose_puts_varnish_between_caddy_and_web():
    import yaml

    compose = yaml.safe_load((VCL.parents[1] / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["caddy"]["environment"]["QUIRE_UPSTREAM"] == "varnish:6081"
    assert "./varnish/quire.vcl:/etc/varnish/quire.vcl.in:ro" in services["varnish"]["volumes"]
    assert compose["x-app"]["environment"]["QUIRE_VARNISH_URLS"] == "http://varnish:6081/"


def test_varnish_hits_carry_the_security_headers_of_the_page(
    transactional_db, live_server, varnish, make_blog
):
    blog = make_blog("varnishsec")
    write(blog, "Headers")
    for path in ("/", "/no-such-post/"):
        # Straight to Django (a page-cache miss, stored), then Varnish's miss (a page-cache
        # hit), then Varnish's own hit: one list of headers for all three.
        direct = requests.get(
            live_server.url + path, headers={"Host": blog_host(blog.subdomain)}, timeout=10
        )
        miss, hit = get(varnish, blog, path), get(varnish, blog, path)
        assert (miss.headers["X-Front-Cache"], hit.headers["X-Front-Cache"]) == ("MISS", "HIT")
        assert miss.headers["X-Cache"] == "hit"  # Varnish's miss was a page-cache hit
        expected = security_headers(direct.headers)
        assert security_headers(miss.headers) == expected, path
        assert security_headers(hit.headers) == expected, path


def test_varnish_keeps_http_and_https_copies_apart(transactional_db, varnish, make_blog):
    blog = make_blog("varnishtls")
    write(blog, "Schemes")
    secure = get(varnish, blog, **{"X-Forwarded-Proto": "https"})
    assert 'rel="canonical" href="https://' in secure.text
    plain = get(varnish, blog)
    assert plain.headers["X-Front-Cache"] == "MISS"
    assert 'rel="canonical" href="http://' in plain.text
    again = get(varnish, blog, **{"X-Forwarded-Proto": "https"})
    assert again.headers["X-Front-Cache"] == "HIT"
    assert 'rel="canonical" href="https://' in again.text


def test_feed_fetches_go_through_varnish_and_are_each_counted(transactional_db, varnish, make_blog):
    blog = make_blog("varnishfeed")
    write(blog, "Fed")
    reader_ua = {"User-Agent": "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 3 subscribers)"}
    fetched = [get(varnish, blog, "/feed/", **reader_ua) for _ in range(3)]
    fetched += [get(varnish, blog, "/tag/x/feed/", **reader_ua)]  # a 404: not a fetch
    assert [r.status_code for r in fetched] == [200, 200, 200, 404]
    assert [r.headers["X-Front-Cache"] for r in fetched[:3]] == ["MISS"] * 3  # passed
    assert fetched[2].headers["X-Cache"] == "hit"  # Quire's page cache answered
    assert counts(blog).get("f") == 3
    # Pages are still Varnish's to serve.
    get(varnish, blog, "/")
    assert get(varnish, blog, "/").headers["X-Front-Cache"] == "HIT"
