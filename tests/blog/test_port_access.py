"""Who may import and export, and another blog can never see a blog's import status,
report, export file or download link."""

import pytest

from blog.models import TransferJob
from blog.services import exports as export_services
from tenants.context import tenant_context
from tests.blog.conftest import login, write
from tests.blog.port_helpers import DATA, import_file, posts, private_root, upload  # noqa: F401
from tests.conftest import add_member, host_client

pytestmark = pytest.mark.usefixtures("private_root")
WXR = (DATA / "wordpress" / "theme-preview.xml").read_bytes()


def _export(tenant) -> TransferJob:
    with tenant_context(tenant):
        job = export_services.export_job_create(tenant=tenant, by=tenant.owner)
        return export_services.export_job_run(tenant=tenant, job_id=str(job.id))


@pytest.mark.parametrize(
    ("role", "can_import", "can_export"),
    [("owner", True, True), ("editor", True, False), ("author", False, False)],
)
def test_roles(tenant, password, role, can_import, can_export):
    user = tenant.owner if role == "owner" else add_member(tenant, role)
    client = login(tenant, user, password)
    assert client.get("/dashboard/import/").status_code == (200 if can_import else 403)
    assert upload(client, "wp.xml", WXR).status_code == (302 if can_import else 403)
    assert client.get("/dashboard/export/").status_code == (200 if can_export else 403)
    assert client.post("/dashboard/export/").status_code == (302 if can_export else 403)
    nav = client.get("/dashboard/").content
    assert (b'href="/dashboard/import/"' in nav) == can_import
    assert (b'href="/dashboard/export/"' in nav) == can_export
    job = _export(tenant)
    token = export_services.export_token(tenant=tenant, job=job)
    download = client.get(f"/dashboard/export/download/{token}/")
    assert download.status_code == (200 if can_export else 403)


def test_anonymous_is_sent_to_login(tenant):
    client = host_client(tenant)
    for url in ("/dashboard/import/", "/dashboard/export/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    job = _export(tenant)
    token = export_services.export_token(tenant=tenant, job=job)
    assert client.get(f"/dashboard/export/download/{token}/").status_code == 302


def test_another_blog_sees_nothing(tenant, other_tenant, owner_client, password):
    job = import_file(owner_client, tenant, "wp.xml", WXR)
    assert job.status == "done"
    assert posts(other_tenant) == []  # the job wrote in the importing blog's schema only
    other_owner = login(other_tenant, other_tenant.owner, password)
    assert other_owner.get(f"/dashboard/import/{job.id}/").status_code == 404
    assert other_owner.get(f"/dashboard/import/{job.id}/status/").status_code == 404
    assert b"wp.xml" not in other_owner.get("/dashboard/import/").content
    # A's owner on B's host is no member of B.
    stranger = host_client(other_tenant)
    stranger.login(email=tenant.owner.email, password=password)
    assert stranger.get(f"/dashboard/import/{job.id}/status/").status_code == 403

    export = _export(tenant)
    token = export_services.export_token(tenant=tenant, job=export)
    mine = owner_client.get(f"/dashboard/export/download/{token}/")
    assert mine.status_code == 200 and mine["Content-Disposition"].startswith("attachment")
    # The same token on B's host, by B's owner: the token names A's schema.
    assert other_owner.get(f"/dashboard/export/download/{token}/").status_code == 404
    # B's own export is not A's file, and A's job id means nothing on B.
    write(other_tenant, "Bravo only")
    theirs = _export(other_tenant)
    assert theirs.path.startswith(other_tenant.schema_name + "/")
    assert export.path.startswith(tenant.schema_name + "/")
    forged = export_services.export_token(tenant=other_tenant, job=export)
    assert other_owner.get(f"/dashboard/export/download/{forged}/").status_code == 404
    assert b"Bravo only" not in b"".join(mine.streaming_content)


def test_export_links_expire_and_tampering_fails(tenant, owner_client, settings):
    job = _export(tenant)
    token = export_services.export_token(tenant=tenant, job=job)
    assert owner_client.get(f"/dashboard/export/download/{token}x/").status_code == 404
    settings.QUIRE_EXPORT_LINK_SECONDS = -1
    response = owner_client.get(f"/dashboard/export/download/{token}/")
    assert response.status_code == 404 and b"expired" in response.content


def test_status_endpoint_reports_progress(tenant, owner_client):
    response = upload(owner_client, "wp.xml", WXR)
    job_id = response["Location"].rstrip("/").split("/")[-1]
    status = owner_client.get(f"/dashboard/import/{job_id}/status/").json()
    assert status == {"status": "queued"}
    page = owner_client.get(f"/dashboard/import/{job_id}/")
    assert b"<progress" in page.content and b"/status/" in page.content
    with tenant_context(tenant):
        from blog.services.imports import import_job_run

        import_job_run(tenant=tenant, job_id=job_id)
    status = owner_client.get(f"/dashboard/import/{job_id}/status/").json()
    assert status["status"] == "done" and status["done"] == status["total"]
    assert b"7 imported" in owner_client.get(f"/dashboard/import/{job_id}/").content
