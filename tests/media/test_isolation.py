"""Blog A can never read, list, overwrite or delete blog B's files: not by URL, not by path
tricks, not by guessed ids. Keys are checked against the current blog's prefix before
storage is touched; rows live in each blog's own schema."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from media import services as media_services
from media.models import MediaFile
from media.storage import blog_prefix, key_is_blogs, media_storage, private_key
from tenants import lifecycle
from tenants.context import tenant_context
from tenants.models import Tenant
from tests.blog.conftest import login, write
from tests.conftest import host_client
from tests.media import images as make
from tests.media.conftest import files_of, upload

pytestmark = pytest.mark.django_db


def _stored(tenant, client, name, data):
    media_id = upload(client, name, data).json()["id"]
    with tenant_context(tenant):
        return media_services.media_process(media_id=media_id)


@pytest.fixture
def two_blogs(tenant, other_tenant, owner_client, password):
    a_file = _stored(tenant, owner_client, "a-secret.jpg", make.jpeg_with_gps())
    b_client = login(other_tenant, other_tenant.owner, password)
    b_file = _stored(other_tenant, b_client, "b-own.png", make.png())
    assert a_file.id == b_file.id == 1  # the same id in both schemas: guessing is easy
    return a_file, b_file, owner_client, b_client


def test_prefixes_differ_per_blog_and_are_not_derived_from_anything_public(tenant, other_tenant):
    a, b = (blog_prefix(schema_name=t.schema_name) for t in (tenant, other_tenant))
    assert a != b and a.startswith(tenant.schema_name + "/")
    assert tenant.subdomain not in a and len(a.split("/")[1]) == 24


def test_b_cannot_read_a_file_of_a_by_its_url(tenant, other_tenant, two_blogs):
    a_file, *_ = two_blogs
    assert host_client(tenant).get(a_file.url).status_code == 200
    assert host_client(other_tenant).get(a_file.url).status_code == 404
    for variant in a_file.variants:
        assert host_client(other_tenant).get("/media/" + variant["path"]).status_code == 404


@pytest.mark.parametrize(
    "trick",
    [
        "{b}../{a_rel}",
        "{b}%2e%2e/{a_rel}",
        "{b}..%2f{a_rel}",
        "{b}/../../{a}",
        "{b}./{b_rel}",
        "{b}{b_token}//{b_name}",
        "private/{b_key}",
        "{b}{b_token}/../../../{a}",
        "{b}{b_token}\\..\\{b_name}",
        "/{b_key}",
        "{b_key}/",
        "{b_key}.html",
    ],
)
def test_path_tricks_on_b_host_serve_nothing(tenant, other_tenant, two_blogs, trick):
    a_file, b_file, *_ = two_blogs
    a, b = (blog_prefix(schema_name=t.schema_name) for t in (tenant, other_tenant))
    token, name = b_file.path[len(b) :].split("/")
    path = trick.format(
        a=a_file.path, b=b, a_rel=a_file.path, b_rel=b_file.path[len(b) :], b_token=token,
        b_name=name, b_key=b_file.path,
    )  # fmt: skip
    client = host_client(other_tenant)
    assert client.get("/media/" + b_file.path).status_code == 200  # the real one works
    response = client.get("/media/" + path)
    assert response.status_code in (301, 404), path
    assert not getattr(response, "streaming", False)


def test_the_key_check_refuses_what_is_not_the_blogs(tenant, other_tenant, two_blogs):
    a_file, b_file, *_ = two_blogs
    b = other_tenant.schema_name
    assert key_is_blogs(schema_name=b, key=b_file.path)
    assert not key_is_blogs(schema_name=b, key=a_file.path)
    assert not key_is_blogs(schema_name=b, key=private_key(b_file.path))
    assert not key_is_blogs(schema_name=b, key=b_file.path.replace("/", "/./", 1))


def test_b_lists_and_deletes_only_its_own_files_whatever_the_id(tenant, other_tenant, two_blogs):
    a_file, b_file, _a_client, b_client = two_blogs
    library = b_client.get("/dashboard/media/").content.decode()
    assert "b-own.png" in library and "a-secret" not in library
    assert b_client.get("/dashboard/media/?q=secret").content.decode().count("a-secret") == 0
    status = b_client.get(f"/dashboard/media/{a_file.id}/").json()
    assert status["name"] == "b-own.png"  # id 1 on B's host is B's file, never A's
    assert b_client.get("/dashboard/media/2/").status_code == 404
    assert b_client.post(f"/dashboard/media/{a_file.id}/delete/").status_code == 302
    assert files_of(other_tenant) == []
    assert [m.name for m in files_of(tenant)] == ["a-secret.jpg"]
    assert media_storage().exists(a_file.path)
    assert host_client(tenant).get(a_file.url).status_code == 200


def test_b_cannot_choose_a_key_in_a_prefix_by_naming_its_upload(tenant, other_tenant, two_blogs):
    a_file, _b_file, _a_client, b_client = two_blogs
    before = media_storage().open(a_file.path).read()
    sneaky = f"../../../{a_file.path}"
    b_file = upload(b_client, sneaky, make.png(size=(33, 33))).json()
    with tenant_context(other_tenant):
        stored = MediaFile.objects.get(id=b_file["id"])
    assert stored.path.startswith(blog_prefix(schema_name=other_tenant.schema_name))
    assert ".." not in stored.path and stored.path.endswith(".png")
    assert media_storage().open(a_file.path).read() == before


def test_a_post_of_b_pointing_at_a_file_of_a_gets_nothing_from_a(tenant, other_tenant, two_blogs):
    a_file, *_ = two_blogs
    post = write(other_tenant, "Borrowing", body=f"![x]({a_file.url})")
    assert "srcset" not in post.body_html and "width=" not in post.body_html
    own = write(tenant, "Own", body=f"![x]({a_file.url})")
    assert 'width="1200"' in own.body_html


def test_purge_removes_the_blogs_files_and_only_its(tenant, other_tenant, two_blogs, settings):
    a_file, b_file, *_ = two_blogs
    a_keys = [a_file.path, private_key(a_file.path)] + [v["path"] for v in a_file.variants]
    assert all(media_storage().exists(k) for k in a_keys)
    Tenant.objects.filter(pk=tenant.pk).update(
        status="deleted", deleted_at=timezone.now() - timedelta(days=31)
    )
    settings.TENANT_DELETE_GRACE_DAYS = 30
    connection.set_schema_to_public()  # as the periodic task runs (the client left B's)
    assert lifecycle.tenants_purge() == 1
    assert not any(media_storage().exists(k) for k in a_keys)
    assert not (settings.MEDIA_ROOT / tenant.schema_name).exists()
    assert not (settings.MEDIA_ROOT / "private" / tenant.schema_name).exists()
    assert media_storage().exists(b_file.path)
    assert host_client(other_tenant).get(b_file.url).status_code == 200
