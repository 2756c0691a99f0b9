"""Admin API image upload: the media library's service and limits, with a token."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from media.models import MediaFile
from tests.api.conftest import bearer, token_for
from tests.conftest import host_client
from tests.media import images

pytestmark = pytest.mark.django_db
URL = "/api/admin/v1/images/"


def _upload(client, token, name, data, **extra):
    return client.post(URL, {"file": SimpleUploadedFile(name, data)}, **bearer(token), **extra)


@pytest.fixture
def blog(pro_blog):
    return pro_blog("alpha")


def test_an_image_is_stored_with_its_urls_for_the_tokens_member(blog, member_token):
    user, token = member_token(blog, "author")
    client = host_client(blog)
    response = _upload(client, token, "Holiday photo.png", images.png(size=(300, 200)))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["path"].startswith("/media/") and data["path"].endswith(".png")
    assert data["url"] == "http://alpha.localhost" + data["path"]
    assert (data["width"], data["height"], data["status"]) == (300, 200, "pending")
    assert data["markdown"] == f"![Holiday photo]({data['path']})"
    with tenant_context(blog):
        media = MediaFile.objects.get(id=data["id"])
    assert media.created_by_id == user.id
    again = _upload(client, token, "again.png", images.png(size=(300, 200)))
    assert again.json()["id"] == data["id"]  # the same bytes: the same file


def test_refusals_have_the_media_librarys_reasons(blog, settings):
    client, token = host_client(blog), token_for(blog)
    svg = _upload(client, token, "x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    assert svg.status_code == 400 and "SVG" in svg.json()["error"]["message"]
    junk = _upload(client, token, "x.png", b"not an image at all")
    assert junk.status_code == 400 and junk.json()["error"]["code"] == "media_invalid"
    missing = client.post(URL, {"other": "x"}, **bearer(token))
    assert missing.status_code == 400 and missing.json()["error"]["field"] == "file"
    broken = client.generic(  # schemathesis found this one: a part's headers past Django's cap
        "POST",
        URL,
        b"--b\r\nContent-Disposition: form-data; name=file; filename=x.png\r\n"
        + b"X-Junk: "
        + b"a" * 10_000
        + b"\r\n\r\nxx\r\n--b--\r\n",
        content_type="multipart/form-data; boundary=b",
        **bearer(token),
    )
    assert broken.status_code == 400 and broken.json()["error"]["field"] == "file"
    settings.MEDIA_MAX_UPLOAD_BYTES = 10_000
    big = _upload(client, token, "big.png", images.noise_png(size=(300, 300)))
    assert big.status_code == 413 and "limit" in big.json()["error"]["message"]
    with tenant_context(blog):
        assert not MediaFile.objects.exists()


def test_no_token_another_blogs_token_or_a_free_plan_store_nothing(blog, pro_blog):
    png = images.png(size=(50, 50))
    other = pro_blog("bravo")
    assert (
        host_client(blog).post(URL, {"file": SimpleUploadedFile("a.png", png)}).status_code == 401
    )
    assert _upload(host_client(blog), token_for(other), "a.png", png).status_code == 401
    free_token = token_for(blog)
    from tests.conftest import plan_set

    plan_set(blog, "free")
    assert _upload(host_client(blog), free_token, "a.png", png).status_code == 402
    with tenant_context(blog):
        assert not MediaFile.objects.exists()


def test_the_schema_describes_the_upload(blog):
    schema = host_client(blog).get("/api/admin/v1/openapi.json").json()
    body = schema["paths"]["/api/admin/v1/images/"]["post"]["requestBody"]
    assert "multipart/form-data" in body["content"]
