"""Images named by imported posts are fetched by a worker into the blog's storage, with the
SSRF rules of blog/imports/fetch.py, against a real HTTP server started by the test."""

import http.server
import threading
import time
from collections import Counter

import pytest

from blog.models import PostRevision, TransferJob
from blog.services import import_images as image_services
from media.models import MediaFile
from media.storage import blog_prefix, media_storage, private_key
from tenants.context import tenant_context
from tests.blog.port_helpers import import_file, make_zip, posts, private_root  # noqa: F401
from tests.conftest import host_client
from tests.media import images

pytestmark = pytest.mark.usefixtures("private_root")

PHOTO = images.jpeg_with_gps(size=(400, 300))
PNG = images.png(size=(200, 100))
BIG = images.noise_png(size=(300, 300))  # ~270 KB, over the cap the tests set


class _Server:
    """http.server in a thread, serving a few images; counts the requests per path."""

    def __init__(self):
        hits: Counter = Counter()
        self.hits = hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                hits[self.path] += 1
                files = {"/photo.jpg": (PHOTO, "image/jpeg"), "/pic.png": (PNG, "image/png"),
                         "/big.png": (BIG, "image/png")}  # fmt: skip
                if self.path == "/to-private":
                    port = self.server.server_address[1]
                    self.send_response(302)
                    self.send_header("Location", f"http://127.0.0.2:{port}/photo.jpg")
                    self.end_headers()
                    return
                if self.path == "/slow.png":  # a byte every 0.2 s, forever (almost)
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    for _ in range(1000):
                        try:
                            self.wfile.write(b"x")
                            self.wfile.flush()
                        except OSError:
                            return
                        time.sleep(0.2)
                    return
                if self.path not in files:
                    self.send_error(404)
                    return
                data, kind = files[self.path]
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 200_000
    running = _Server()
    yield running
    running.close()


def _import(client, tenant, base: str) -> TransferJob:
    files = {
        "one.md": (
            f"---\ntitle: One\ncover: {base}/pic.png\n---\n"
            f"A photo ![a photo]({base}/photo.jpg) and [a link]({base}/photo.jpg).\n"
            f"![gone]({base}/missing.png)\n![huge]({base}/big.png)\n"
            f"![moved]({base}/to-private)\n"
        ).encode(),
        "two.md": f"---\ntitle: Two\n---\nThe same ![again]({base}/photo.jpg)\n".encode(),
    }
    job = import_file(client, tenant, "site.zip", make_zip(files))
    assert job.status == "done", job.error
    return job


def _fetch(tenant, job) -> dict:
    with tenant_context(tenant):
        return image_services.import_images_fetch(tenant=tenant, job_id=str(job.id))


def test_images_are_fetched_stored_and_rewritten(tenant, owner_client, server, settings):
    settings.QUIRE_IMPORT_FETCH_ALLOW_ADDRESSES = ["127.0.0.1"]
    job = _import(owner_client, tenant, server.base)
    result = _fetch(tenant, job)

    assert result["fetched"] == 2 and result["posts_rewritten"] == 2
    reasons = {f["url"].rsplit("/", 1)[1]: f["reason"] for f in result["failed"]}
    assert reasons["missing.png"] == "the server answered 404"
    assert "limit" in reasons["big.png"]
    assert "private or local address (127.0.0.2)" in reasons["to-private"]
    assert server.hits["/photo.jpg"] == 1  # once, though three references name it
    with tenant_context(tenant):
        job.refresh_from_db()
        assert job.report["images"] == result and job.report["imported_count"] == 2
        files = list(MediaFile.objects.order_by("id"))
        assert len(files) == 2
        photo = next(f for f in files if f.content_type == "image/jpeg")
        cover = next(f for f in files if f.content_type == "image/png")
        prefix = blog_prefix(schema_name=tenant.schema_name)
        assert all(f.path.startswith(prefix) for f in files)
        assert media_storage().open(private_key(photo.path)).read() == PHOTO
        assert photo.created_by_id == tenant.owner.id
        revisions = PostRevision.objects.filter(post__slug="one").order_by("id")
        assert [r.origin for r in revisions] == ["import", ""]
        assert revisions.last().body.count(photo.url) == 2
    one, two = posts(tenant)
    assert one.cover_image_url == cover.url
    assert f"![a photo]({photo.url})" in one.body and f"[a link]({photo.url})" in one.body
    assert f"{server.base}/missing.png" in one.body  # failures stay remote links
    assert photo.url in one.body_html and server.base + "/photo.jpg" not in one.body_html
    assert two.body.strip() == f"The same ![again]({photo.url})"
    assert photo.url.encode() in host_client(tenant).get("/one/").content
    page = owner_client.get(f"/dashboard/import/{job.id}/").content.decode()
    assert "Images: 2 fetched into this blog's media, 3 could not be fetched" in page
    assert "missing.png</code>: the server answered 404" in page

    # Again: what was rewritten is not fetched again; only the failures are retried.
    again = _fetch(tenant, job)
    assert again["fetched"] == 0 and again["posts_rewritten"] == 0
    assert again["failed_count"] == 3
    assert server.hits["/photo.jpg"] == 1 and server.hits["/pic.png"] == 1
    with tenant_context(tenant):
        assert MediaFile.objects.count() == 2


def test_loopback_is_refused_unless_exempted(tenant, owner_client, server, settings):
    settings.QUIRE_IMPORT_FETCH_ALLOW_ADDRESSES = []
    job = _import(owner_client, tenant, server.base)
    result = _fetch(tenant, job)
    assert result["fetched"] == 0 and result["failed_count"] == 5
    assert all("private or local address (127.0.0.1)" in f["reason"] for f in result["failed"])
    assert sum(server.hits.values()) == 0  # refused before any connection
    with tenant_context(tenant):
        assert MediaFile.objects.count() == 0


def _queued(callback) -> tuple:
    """(task name, args) of an `enqueue_on_commit` callback (its closure holds both)."""
    names, cells = callback.__code__.co_freevars, callback.__closure__ or ()
    cells = {n: c.cell_contents for n, c in zip(names, cells, strict=True)}
    return (cells.get("task_name"), cells.get("args"))


def test_the_import_queues_the_fetch_after_commit(
    tenant, owner_client, server, settings, django_capture_on_commit_callbacks
):
    settings.QUIRE_IMPORT_FETCH_ALLOW_ADDRESSES = ["127.0.0.1"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _import(owner_client, tenant, server.base)
    # The import's own search refresh, and the image fetch.
    queued = [_queued(c) for c in callbacks]
    with tenant_context(tenant):
        job = TransferJob.objects.get()
    assert ("tasks.imports.import_images_fetch", (str(job.id),)) in queued


def test_a_blog_fetches_into_its_own_prefix_only(
    tenant, other_tenant, owner_client, server, settings, password
):
    settings.QUIRE_IMPORT_FETCH_ALLOW_ADDRESSES = ["127.0.0.1"]
    job = _import(owner_client, tenant, server.base)
    with tenant_context(other_tenant):  # another blog's worker cannot run this blog's job
        with pytest.raises(TransferJob.DoesNotExist):
            image_services.import_images_fetch(tenant=other_tenant, job_id=str(job.id))
    _fetch(tenant, job)
    with tenant_context(other_tenant):
        assert MediaFile.objects.count() == 0
    mine = blog_prefix(schema_name=tenant.schema_name)
    theirs = blog_prefix(schema_name=other_tenant.schema_name)
    storage = media_storage()
    assert len(storage.listdir(private_key(mine).rstrip("/"))[0]) == 2  # under the blog's prefix
    assert not storage.exists(theirs.rstrip("/"))
    assert not storage.exists(private_key(theirs).rstrip("/"))


@pytest.mark.parametrize(
    ("ip", "allowed"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.10", False),
        ("169.254.169.254", False),  # cloud metadata (link-local)
        ("224.0.0.1", False),
        ("0.0.0.0", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("93.184.216.34", True),
        ("2606:2800:220:1::1", True),
    ],
)
def test_which_addresses_may_be_fetched(ip, allowed):
    from lib.http import address_allowed

    assert address_allowed(ip) is allowed


def test_a_slow_server_is_cut_off_at_the_deadline(server):
    from blog.imports.fetch import FetchRefused, image_fetch

    started = time.monotonic()
    with pytest.raises(FetchRefused, match="longer than 1 s"):
        image_fetch(url=f"{server.base}/slow.png", max_bytes=10_000, timeout=1.0,
                    exempt=frozenset({"127.0.0.1"}))  # fmt: skip
    assert time.monotonic() - started < 2
