"""Export: the zip's contents, the emailed link, and export -> import into a new blog gives
the same blog."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
import yaml
from django.core.files.storage import storages
from django.db import connection
from django.utils import timezone
from PIL import Image

from blog import services
from blog.models import BlogSettings, Post
from blog.services import exports as export_services
from media.models import MediaFile
from media.services import media_process, media_store_bytes
from media.storage import blog_prefix
from tenants.context import tenant_context
from tests.blog.conftest import write
from tests.blog.port_helpers import import_file, posts, private_root  # noqa: F401
from tests.conftest import add_member, host_client
from tests.media import images

pytestmark = pytest.mark.usefixtures("private_root")


def _fill(tenant):
    write(tenant, "First post", tags="python, django", excerpt="Short.", body="Hello **there**.")
    write(tenant, "Old name", action="save")
    write(tenant, "A draft", action="save", tags="wip")
    with tenant_context(tenant):  # published, then renamed: the old slug redirects
        post = Post.objects.get(slug="old-name")
        services.post_update(tenant=tenant, post=post, title="Old name", body="b",
                             action="publish")  # fmt: skip
        post.refresh_from_db()
        services.post_update(tenant=tenant, post=post, title="Old name", body="b",
                             slug="new-name")  # fmt: skip
    write(tenant, "About", kind="page", body="About this blog.")
    later = timezone.now() + timedelta(days=3)
    write(tenant, "Later", action="schedule", publish_at=later, body="Soon.")
    with tenant_context(tenant):
        services.blog_settings_update(
            tenant=tenant, title="My Blog", tagline="Words", description="All about words",
            language="english", theme="dark", accent="#123456", posts_per_page=7,
            navigation=[{"label": "About", "url": "/about/"}], footer="Bye",
        )  # fmt: skip
    add_member(tenant, "editor")
    with tenant_context(tenant):  # an image, processed, shown in a post's body and cover
        media = media_store_bytes(
            tenant=tenant, name="photo.jpg", data=images.jpeg_with_gps(size=(300, 200))
        )
        media = media_process(media_id=media.id)
    write(tenant, "Pictured", body=f"Look: ![a photo]({media.url})", cover_image_url=media.url)
    return media


def _fields(post, old_url: str = "", new_url: str = ""):
    body = post.body.replace(old_url, new_url) if old_url else post.body
    return (post.kind, post.title, post.slug, post.old_slugs, post.status, post.tags, body,
            post.excerpt,
            post.published_at.replace(microsecond=0) if post.published_at else None)  # fmt: skip


def test_export_zip_and_email(tenant, owner_client, mailoutbox, django_capture_on_commit_callbacks):
    media = _fill(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/dashboard/export/")
    with tenant_context(tenant):
        from blog.models import TransferJob

        job = TransferJob.objects.get(kind="export")
        with django_capture_on_commit_callbacks(execute=True):
            job = export_services.export_job_run(tenant=tenant, job_id=str(job.id))
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [tenant.owner.email]
    link = next(w for w in mailoutbox[0].body.split() if "/dashboard/export/download/" in w)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = owner_client.get("/" + path)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = set(archive.namelist())
    assert {"quire.json", "README.txt", "posts/first-post.md", "pages/about.md"} <= names
    document = json.loads(archive.read("quire.json"))
    assert document["format"] == "quire-export" and document["version"] == 1
    assert document["settings"]["title"] == "My Blog"
    assert {m["role"] for m in document["members"]} == {"owner", "editor"}
    assert {t["name"] for t in document["tags"]} == {"python", "django", "wip"}
    head, body = archive.read("posts/first-post.md").decode().split("---\n", 2)[1:]
    front = yaml.safe_load(head)
    assert front["title"] == "First post" and front["tags"] == ["python", "django"]
    assert body.strip() == "Hello **there**."
    ((listed),) = document["media"]
    assert listed["file"] == f"media/{media.path}" and listed["url"] == media.url
    assert listed["width"] == 300 and listed["content_type"] == "image/jpeg"
    exported = Image.open(io.BytesIO(archive.read(listed["file"])))
    assert exported.size == (300, 200) and not exported.getexif()  # the served copy: no EXIF
    assert not any(n.startswith("media/private") or "/private/" in n for n in names)
    assert storages["private"].exists(job.path) and job.path.startswith(tenant.schema_name)
    page = owner_client.get("/dashboard/export/")
    assert b"/dashboard/export/download/" in page.content


def test_export_then_import_gives_the_same_blog(tenant, make_blog, password):
    media = _fill(tenant)
    with tenant_context(tenant):
        job = export_services.export_job_create(tenant=tenant, by=tenant.owner)
        job = export_services.export_job_run(tenant=tenant, job_id=str(job.id))
    content = storages["private"].open(job.path).read()

    connection.set_schema_to_public()  # requests leave the last blog's schema set
    copy = make_blog("copy")
    client = host_client(copy)
    assert client.login(email=copy.owner.email, password=password)
    result = import_file(client, copy, "export.zip", content)
    assert result.status == "done", result.error
    assert result.report["format"] == "Quire export"
    assert result.report["media_stored"] == 1 and result.report["media_failed"] == []
    with tenant_context(copy):  # the image is the new blog's own file, under its prefix
        (copied,) = MediaFile.objects.all()
        assert copied.path.startswith(blog_prefix(schema_name=copy.schema_name))
        copied = media_process(media_id=copied.id)  # as the worker does after the import
    assert (copied.width, copied.height) == (300, 200)
    original = sorted(_fields(p, media.url, copied.url) for p in posts(tenant))
    assert sorted(_fields(p) for p in posts(copy)) == original
    pictured = posts(copy, slug="pictured")[0]
    assert pictured.cover_image_url == copied.url and media.url not in pictured.body
    with tenant_context(tenant):
        before = BlogSettings.objects.values().get()
    with tenant_context(copy):
        after = BlogSettings.objects.values().get()
    for row in (before, after):
        row.pop("updated_at")
    assert after == before
    assert "invite them from Members" in " ".join(result.report.get("notes", []))
    reader = host_client(copy)
    assert b"Hello <strong>there</strong>." in reader.get("/first-post/").content
    assert reader.get("/about/").status_code == 200
    moved = reader.get("/old-name/")
    assert moved.status_code == 301 and moved["Location"].endswith("/new-name/")
    page = reader.get("/pictured/").content.decode()
    assert f'src="{copied.url}"' in page and 'width="300"' in page
    served = reader.get(copied.url)
    assert served.status_code == 200
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (300, 200)
    assert host_client(tenant).get(copied.url).status_code == 404  # not the old blog's
    # And again: nothing duplicated (the image neither).
    again = import_file(client, copy, "export.zip", content)
    assert again.report["unchanged_count"] == 6 and len(posts(copy)) == 6
    with tenant_context(copy):
        assert MediaFile.objects.count() == 1


def test_old_export_files_are_pruned(tenant):
    jobs = []
    with tenant_context(tenant):
        for _ in range(export_services.EXPORTS_KEPT + 2):
            job = export_services.export_job_create(tenant=tenant, by=tenant.owner)
            jobs.append(export_services.export_job_run(tenant=tenant, job_id=str(job.id)))
        kept = [j for j in jobs if storages["private"].exists(j.path)]
        from blog.models import TransferJob

        assert TransferJob.objects.exclude(path="").count() == export_services.EXPORTS_KEPT
    assert kept[-1].id == jobs[-1].id
    assert not storages["private"].exists(jobs[0].path)
