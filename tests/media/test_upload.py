"""Uploads through the dashboard: checks by content, roles, CSRF, quota, the library page."""

import html5lib
import pytest
from django.conf import settings
from django.test import Client

from lib.urls import blog_host
from media import services as media_services
from media.models import MediaFile
from media.storage import media_storage, private_key
from tenants.context import tenant_context
from tests.blog.conftest import write
from tests.conftest import add_member, plan_set
from tests.media import images as make
from tests.media.conftest import files_of, upload

pytestmark = pytest.mark.django_db


def test_a_jpeg_upload_returns_its_markdown_and_is_kept_privately_until_processed(
    tenant, owner_client
):
    response = upload(owner_client, "Holiday Photo.JPG", make.jpeg_with_gps())
    assert response.status_code == 201, response.content
    body = response.json()
    (media,) = files_of(tenant)
    assert body["markdown"] == f"![Holiday Photo]({media.url})"
    assert body["absolute_url"] == f"http://{blog_host(tenant.subdomain)}{media.url}"
    assert media.content_type == "image/jpeg" and media.status == "pending"
    assert media.path.endswith("/holiday-photo.jpg") and media.created_by_id == tenant.owner.id
    assert (media.width, media.height) == (1200, 800)
    assert media_storage().exists(private_key(media.path))
    # Not served before the worker has made the EXIF-free copy.
    assert owner_client.get(media.url).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "status", "message"),
    [
        ("logo.svg", make.SVG_WITH_SCRIPT, 400, "SVG images are not accepted"),
        ("page.jpg", make.POLYGLOT_HTML, 400, "not a JPEG, PNG, GIF or WebP image"),
        ("huge.png", make.png_bomb(), 413, "10000×5000 pixels (50 megapixels)"),
        ("empty.png", b"", 400, "empty"),
    ],
)
def test_refused_uploads_get_a_clear_message_and_store_nothing(
    tenant, owner_client, name, data, status, message
):
    response = upload(owner_client, name, data, content_type="image/png")
    assert response.status_code == status
    assert message in response.json()["error"]
    assert files_of(tenant) == []


def test_an_upload_over_the_size_limit_is_cut_off_and_refused(tenant, owner_client, settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 100_000
    big = make.jpeg_with_gps() + b"\0" * 150_000  # read in 64 KB chunks: stopped at the 2nd
    response = upload(owner_client, "big.jpg", big)
    assert response.status_code == 413
    assert response.json()["error"] == (
        "This file is larger than the limit of 100 KB. Make it smaller and upload it again."
    )
    assert files_of(tenant) == []
    assert upload(owner_client, "small.jpg", make.jpeg_with_gps()).status_code == 201


def test_bytes_over_the_limit_are_refused_with_both_sizes(tenant, settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 1000
    with tenant_context(tenant), pytest.raises(media_services.MediaTooLarge) as refused:
        media_services.media_store_bytes(tenant=tenant, name="a.jpg", data=make.jpeg_with_gps())
    assert refused.value.message.startswith("This file is 17 KB; the limit is 1 KB.")


def test_a_polyglot_is_stored_as_an_image_whatever_its_name_and_type(tenant, owner_client):
    response = upload(
        owner_client, "evil.html", make.polyglot_jpeg_html(), content_type="text/html"
    )
    assert response.status_code == 201
    (media,) = files_of(tenant)
    assert media.content_type == "image/jpeg" and media.path.endswith("/evil.jpg")


def test_the_same_bytes_twice_are_stored_once(tenant, owner_client):
    data = make.png()
    first = upload(owner_client, "a.png", data).json()
    second = upload(owner_client, "b.png", data).json()
    assert first["id"] == second["id"] and len(files_of(tenant)) == 1


def test_upload_needs_the_csrf_token(tenant, owner_client, password):
    client = Client(HTTP_HOST=blog_host(tenant.subdomain), enforce_csrf_checks=True)
    assert client.login(email=tenant.owner.email, password=password)
    assert upload(client, "a.png", make.png()).status_code == 403
    client.get("/dashboard/media/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/dashboard/media/upload/",
        {"file": _file("a.png", make.png())},
        HTTP_ACCEPT="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201


def _file(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_strangers_and_anonymous_readers_cannot_upload(tenant, other_tenant, password):
    anonymous = Client(HTTP_HOST=blog_host(tenant.subdomain))
    assert upload(anonymous, "a.png", make.png()).status_code == 302  # to the login page
    stranger = Client(HTTP_HOST=blog_host(tenant.subdomain))
    assert stranger.login(email=other_tenant.owner.email, password=password)
    assert upload(stranger, "a.png", make.png()).status_code == 403
    assert files_of(tenant) == []


def test_the_storage_quota_is_enforced_with_an_upgrade_link_for_owners(
    tenant, owner_client, password
):
    with tenant_context(tenant):  # Free: 100 MB. This blog already stores 99.99 MB.
        MediaFile.objects.create(name="old", path="x", content_type="image/png",
                                 size=99_990_000, sha256="0" * 64)  # fmt: skip
    response = upload(owner_client, "a.jpg", make.jpeg_with_gps())
    assert response.status_code == 402
    error = response.json()
    assert "The Free plan includes 100 MB of storage" in error["error"]
    assert "Upgrade your plan" in error["error"] and error["upgrade_url"] == "/dashboard/billing/"
    author = add_member(tenant, "author")
    client = Client(HTTP_HOST=blog_host(tenant.subdomain))
    assert client.login(email=author.email, password=password)
    assert upload(client, "a.jpg", make.jpeg_with_gps()).json()["upgrade_url"] is None
    plan_set(tenant, "pro")
    assert upload(owner_client, "a.jpg", make.jpeg_with_gps()).status_code == 201


def test_the_library_shows_usage_files_and_searches_by_name(tenant, owner_client):
    upload(owner_client, "sunset.png", make.png(size=(30, 30)))
    upload(owner_client, "harbour.jpg", make.jpeg_with_gps(size=(40, 40)))
    page = owner_client.get("/dashboard/media/").content.decode()
    doc = html5lib.parse(page, namespaceHTMLElements=False)
    names = [n.text for n in doc.iter("span") if n.get("class") == "media-name"]
    assert names == ["harbour.jpg", "sunset.png"]
    usage = doc.find(".//p[@id='storage-usage']")
    assert "KB used of 100 MB on the Free plan" in "".join(usage.itertext())
    assert usage.find("a").get("href") == "/dashboard/billing/"
    found = owner_client.get("/dashboard/media/?q=SUN").content.decode()
    assert "sunset.png" in found and "harbour.jpg" not in found


def test_authors_see_and_delete_only_their_own_files(tenant, owner_client, password):
    owners = upload(owner_client, "owners.png", make.png(size=(20, 20))).json()
    author = add_member(tenant, "author")
    client = Client(HTTP_HOST=blog_host(tenant.subdomain))
    assert client.login(email=author.email, password=password)
    mine = upload(client, "mine.png", make.png(size=(21, 21))).json()
    page = client.get("/dashboard/media/").content.decode()
    assert "mine.png" in page and "owners.png" not in page
    assert client.get(f"/dashboard/media/{owners['id']}/").status_code == 404
    assert client.post(f"/dashboard/media/{owners['id']}/delete/").status_code == 404
    assert client.post(f"/dashboard/media/{mine['id']}/delete/").status_code == 302
    assert [m.name for m in files_of(tenant)] == ["owners.png"]
    assert "owners.png" in owner_client.get("/dashboard/media/").content.decode()


def test_deleting_a_file_a_post_uses_warns_first_then_removes_every_copy(tenant, owner_client):
    media = upload(owner_client, "cover.jpg", make.jpeg_with_gps()).json()
    with tenant_context(tenant):
        media_services.media_process(media_id=media["id"])
        stored = MediaFile.objects.get()
    write(tenant, "Uses it", body=f"Look: ![x]({media['url']})")
    write(tenant, "Does not", body="Nothing here")
    page = owner_client.get(f"/dashboard/media/{media['id']}/delete/").content.decode()
    doc = html5lib.parse(page, namespaceHTMLElements=False)
    warning = doc.find(".//div[@id='media-in-use']")
    assert warning is not None and [a.text for a in warning.iter("a")] == ["Uses it"]
    keys = [stored.path, private_key(stored.path)] + [v["path"] for v in stored.variants]
    assert len(keys) == 6  # 1200 px wide: 480 and 960, WebP and JPEG
    assert all(media_storage().exists(k) for k in keys)
    assert owner_client.post(f"/dashboard/media/{media['id']}/delete/").status_code == 302
    assert files_of(tenant) == [] and not any(media_storage().exists(k) for k in keys)


def test_the_editor_has_the_upload_script_and_endpoint(tenant, owner_client):
    page = owner_client.get("/dashboard/posts/new/").content.decode()
    doc = html5lib.parse(page, namespaceHTMLElements=False)
    form = doc.find(".//form[@id='editor-write']")
    assert form.get("data-upload-url") == "/dashboard/media/upload/"
    scripts = [s.get("src") for s in doc.iter("script") if s.get("src")]
    assert any(src.startswith(settings.STATIC_URL + "media-upload") for src in scripts)


def test_the_library_form_works_without_javascript(tenant, owner_client):
    ok = owner_client.post("/dashboard/media/upload/", {"file": _file("a.png", make.png())})
    assert ok.status_code == 302 and ok["Location"] == "/dashboard/media/"
    page = owner_client.get("/dashboard/media/").content.decode()
    assert "Uploaded “a.png”." in page
    bad = owner_client.post("/dashboard/media/upload/", {"file": _file("x.svg", b"<svg/>")})
    assert bad.status_code == 302
    assert "SVG images are not accepted" in owner_client.get("/dashboard/media/").content.decode()


def test_the_library_runs_a_fixed_number_of_queries(
    tenant, owner_client, django_assert_max_num_queries
):
    for n in range(6):
        upload(owner_client, f"{n}.png", make.png(size=(10 + n, 10)))
    with django_assert_max_num_queries(8):
        response = owner_client.get("/dashboard/media/")
    assert response.content.decode().count('class="media-name"') == 6


def test_processing_a_file_deleted_meanwhile_does_nothing(tenant, owner_client):
    sent = upload(owner_client, "gone.png", make.png()).json()
    with tenant_context(tenant):
        media = MediaFile.objects.get()
        media_storage().delete(private_key(media.path))
        assert media_services.media_process(media_id=sent["id"]) is None
        MediaFile.objects.all().delete()
        assert media_services.media_process(media_id=sent["id"]) is None
    assert not media_storage().exists(media.path)


def test_the_periodic_usage_count_includes_the_files(tenant, owner_client):
    from django.db import connection

    from tenants.usage import usage_refresh

    data = make.noise_png(size=(300, 300))  # ~270 KB: far more than a table row grows
    assert len(data) > 200_000
    before = usage_refresh(schema_name=tenant.schema_name).storage_bytes
    assert upload(owner_client, "a.png", data).status_code == 201
    connection.set_schema_to_public()
    after = usage_refresh(schema_name=tenant.schema_name).storage_bytes
    assert after - before >= len(data)  # the file, plus the row's own few bytes of table
