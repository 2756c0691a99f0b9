"""Headers for a shared front cache, conditional GET, surrogate keys and purges."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.blog.conftest import write
from tests.cache_headers import security_headers
from tests.conftest import host_client

PUBLIC = "public, max-age=60, s-maxage=600"


@pytest.fixture(autouse=True)
def _front_settings(settings):
    settings.QUIRE_FRONT_MAX_AGE = 60
    settings.QUIRE_FRONT_S_MAXAGE = 600


@pytest.mark.parametrize("path", ["/", "/feed/", "/rss/", "/archive/"])
def test_anonymous_reader_pages_and_feeds_are_shareable(tenant, path):
    write(tenant, "Hello")
    response = host_client(tenant).get(path)
    assert response.status_code == 200
    assert response["Cache-Control"] == PUBLIC
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"].endswith("GMT")
    assert response["xkey"] == response["Surrogate-Key"]
    assert response["xkey"].split() == [f"blog-{tenant.schema_name}", f"index-{tenant.schema_name}"]


def test_a_post_page_names_the_blog_and_the_post(tenant):
    post = write(tenant, "Hello")
    response = host_client(tenant).get(f"/{post.slug}/")
    assert response["xkey"].split() == [
        f"blog-{tenant.schema_name}",
        f"post-{tenant.schema_name}-{post.id}",
    ]


def test_a_missing_page_is_shared_briefly(tenant):
    response = host_client(tenant).get("/no-such-post/")
    assert response.status_code == 404
    assert response["Cache-Control"] == "public, max-age=60, s-maxage=60"


@pytest.mark.parametrize("path", ["/", "/feed/"])
def test_conditional_get_is_answered_304_on_a_miss_and_on_a_hit(tenant, path):
    write(tenant, "Hello")
    client = host_client(tenant)
    first = client.get(path)
    assert first["X-Cache"] == "miss"
    # The same request again is a page-cache hit; both answer the validators with 304.
    for headers in (
        {"HTTP_IF_NONE_MATCH": first["ETag"]},
        {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]},
    ):
        again = client.get(path, **headers)
        assert again.status_code == 304, headers
        assert again.content == b""
        assert again["ETag"] == first["ETag"]
    hit = client.get(path)
    assert hit["X-Cache"] == "hit"
    assert hit["ETag"] == first["ETag"]
    assert hit["Cache-Control"] == PUBLIC


def test_a_change_gives_a_new_etag_and_a_full_page(tenant):
    client = host_client(tenant)
    first = client.get("/")
    write(tenant, "Brand new post")
    again = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "Brand new post" in again.content.decode()
    assert again["ETag"] != first["ETag"]


def test_another_blogs_etag_never_answers_304(tenant, other_tenant):
    write(tenant, "Alpha post")
    write(other_tenant, "Bravo post")
    alpha = host_client(tenant).get("/")
    bravo = host_client(other_tenant).get("/", HTTP_IF_NONE_MATCH=alpha["ETag"])
    assert bravo.status_code == 200
    assert bravo["xkey"].split()[0] == f"blog-{other_tenant.schema_name}"


def test_logged_in_readers_and_the_dashboard_are_never_shared(tenant, owner_client):
    write(tenant, "Hello")
    for path in ("/", "/feed/", "/dashboard/"):
        response = owner_client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "private, no-store", path
        assert "xkey" not in response, path


def test_the_login_page_is_private(tenant):
    response = host_client(tenant).get("/accounts/login/")
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))


class _Recorder(BaseHTTPRequestHandler):
    purges: list[str]

    def do_PURGE(self):  # noqa: N802 (the HTTP method's name)
        self.purges.append(self.headers["xkey-purge"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def purge_recorder(settings):
    """A real HTTP server standing in for Varnish, recording the PURGE requests it gets."""
    _Recorder.purges = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.QUIRE_PURGER = "blog.purge.purge_varnish"
    settings.QUIRE_VARNISH_URLS = [f"http://127.0.0.1:{server.server_port}/"]
    yield _Recorder.purges
    server.shutdown()


def test_a_post_change_purges_that_post_and_the_index_pages_of_its_blog_only(
    tenant, other_tenant, purge_recorder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post = write(tenant, "Purge me")
    schema = tenant.schema_name
    assert purge_recorder
    assert set(purge_recorder) == {f"post-{schema}-{post.id} index-{schema}"}


def test_a_settings_change_purges_the_whole_blog(
    tenant, purge_recorder, django_capture_on_commit_callbacks
):
    from blog.cache import blog_changed

    with django_capture_on_commit_callbacks(execute=True):
        blog_changed(schema=tenant.schema_name)  # what settings, tags, imports and media call
    assert purge_recorder == [f"blog-{tenant.schema_name}"]


def test_an_unreachable_varnish_does_not_fail_the_change(
    tenant, settings, django_capture_on_commit_callbacks
):
    settings.QUIRE_PURGER = "blog.purge.purge_varnish"
    settings.QUIRE_VARNISH_URLS = ["http://127.0.0.1:9/"]
    with django_capture_on_commit_callbacks(execute=True):
        post = write(tenant, "Still published")
    assert host_client(tenant).get(f"/{post.slug}/").status_code == 200


@pytest.mark.parametrize("path", ["/", "/feed/", "/no-such-post/"])
def test_a_hit_carries_the_same_security_headers_as_the_miss(tenant, path):
    write(tenant, "Hello")
    client = host_client(tenant)
    miss, hit = client.get(path), client.get(path)
    assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit")
    assert security_headers(hit) == security_headers(miss)
    assert miss["X-Frame-Options"] == "DENY"


def test_an_https_hit_carries_hsts_like_the_miss(tenant, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    write(tenant, "Hello")
    client = host_client(tenant)
    miss = client.get("/", HTTP_X_FORWARDED_PROTO="https")
    hit = client.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit")
    assert security_headers(hit) == security_headers(miss)
    assert hit["Strict-Transport-Security"].startswith("max-age=3600")


def test_an_unknown_host_answers_404_with_the_security_headers(db):
    response = host_client("nobody.localhost").get("/")
    assert response.status_code == 404
    assert response["X-Frame-Options"] == "DENY"


def test_the_page_cache_keeps_http_and_https_copies_apart(tenant):
    write(tenant, "Hello")
    client = host_client(tenant)
    secure = client.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert 'rel="canonical" href="https://' in secure.content.decode()
    plain = client.get("/")
    assert plain["X-Cache"] == "miss"  # not the https copy
    assert 'rel="canonical" href="http://' in plain.content.decode()
    assert client.get("/", HTTP_X_FORWARDED_PROTO="https")["X-Cache"] == "hit"
