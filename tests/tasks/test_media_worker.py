"""Uploads through the dashboard, processed by a real Celery worker (queue `media`), then
read back as readers get them: the served bytes and the reader page."""

import html5lib
from django.db import connection

from media.models import MediaFile
from tenants.context import tenant_context
from tests.blog.conftest import write
from tests.conftest import host_client
from tests.media import images as make
from tests.media.conftest import upload
from tests.tasks.conftest import wait_for

# `transactional_db` by name in each test: the suite's teardown then drops their schemas.


def _ready(tenant, media_id):
    with tenant_context(tenant):
        media = MediaFile.objects.filter(id=media_id).exclude(status="pending").first()
    connection.set_schema_to_public()
    return media


def _served(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    return b"".join(response.streaming_content)


def test_uploads_are_processed_by_the_worker_and_no_served_copy_has_gps(
    transactional_db, celery_worker_process, tenant, owner_client
):
    _proc, log = celery_worker_process
    sent = {
        "phone.jpg": make.jpeg_with_gps(size=(2000, 1500), orientation=6),
        "chart.png": make.png(size=(1000, 600)),
        "dance.gif": make.animated_gif(),
        "evil.html": make.polyglot_jpeg_html(),
    }
    ids = {name: upload(owner_client, name, data).json()["id"] for name, data in sent.items()}
    done = {name: wait_for(lambda i=i: _ready(tenant, i), log=log) for name, i in ids.items()}
    assert {m.status for m in done.values()} == {"ready"}
    reader = host_client(tenant)

    phone = done["phone.jpg"]
    assert (phone.width, phone.height) == (1500, 2000)  # the camera's orientation applied
    widths = sorted((v["width"], v["format"]) for v in phone.variants)
    assert widths == [(480, "jpg"), (480, "webp"), (960, "jpg"), (960, "webp")]
    for url in [phone.url] + ["/media/" + v["path"] for v in phone.variants]:
        body = _served(reader, url)
        assert not make.has_gps(body) and dict(make.exif_of(body)) == {}, url
    assert reader.get(phone.url)["Content-Type"] == "image/jpeg"
    assert reader.get("/media/" + phone.variants[0]["path"])["Content-Type"].startswith("image/")

    assert done["chart.png"].content_type == "image/png"
    gif = done["dance.gif"]
    with make.Image.open(make.io.BytesIO(_served(reader, gif.url))) as served:
        assert served.n_frames == 4  # still animated
    assert [v["still"] for v in gif.variants] == [True]

    evil = done["evil.html"]
    response = reader.get(evil.url)
    assert response["Content-Type"] == "image/jpeg"
    assert b"<script" not in b"".join(response.streaming_content)
    # The upload as received (with its GPS and its HTML) is never served.
    assert reader.get("/media/private/" + evil.path).status_code == 404


def test_reader_pages_give_own_images_width_height_and_srcset(
    transactional_db, celery_worker_process, tenant, owner_client
):
    _proc, log = celery_worker_process
    media = upload(owner_client, "wide.jpg", make.jpeg_with_gps(size=(2400, 1200))).json()
    # Published at once, maybe before the worker is done: the worker re-renders the post.
    write(
        tenant, "With a picture", slug="pictured",
        body=f"Before\n\n![A wide view]({media['url']})\n\n![elsewhere](https://example.org/x.jpg)",
    )  # fmt: skip
    wait_for(lambda: _ready(tenant, media["id"]), log=log)

    def rendered():
        page = host_client(tenant).get("/pictured/").content.decode()
        return page if "srcset" in page else None

    doc = html5lib.parse(wait_for(rendered, log=log), namespaceHTMLElements=False)
    own, other = list(doc.iter("img"))[-2:]
    assert other.get("src") == "https://example.org/x.jpg" and other.get("srcset") is None
    assert own.get("src") == media["url"] and own.get("alt") == "A wide view"
    assert (own.get("width"), own.get("height")) == ("2400", "1200")
    assert own.get("loading") == "lazy"
    base = media["url"].rsplit(".", 1)[0]
    assert own.get("srcset") == (
        f"{base}-480.jpg 480w, {base}-960.jpg 960w, {base}-1600.jpg 1600w, {media['url']} 2400w"
    )
    (source,) = doc.iter("source")
    assert source.get("type") == "image/webp"
    assert source.get("srcset").split(", ")[0] == f"{base}-480.webp 480w"
    assert own.get("sizes") == source.get("sizes")
    for candidate in source.get("srcset").split(", "):
        url = candidate.split(" ")[0]
        assert host_client(tenant).get(url).status_code == 200
