"""Imports and exports through a real Celery worker (queue `imports`), in the importing
blog's schema only."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from blog.models import Post, TransferJob
from tenants import services as tenant_services
from tenants.context import tenant_context
from tests.conftest import host_client
from tests.factories import PASSWORD, UserFactory
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
WXR = Path(__file__).resolve().parents[1] / "data" / "wordpress" / "theme-preview.xml"


def _blog(subdomain):
    owner = UserFactory()
    tenant = tenant_services.tenant_provision(subdomain=subdomain, name=subdomain, owner=owner)
    connection.set_schema_to_public()
    client = host_client(tenant)
    assert client.login(email=owner.email, password=PASSWORD)
    return tenant, client


def _job(tenant, job_id):
    with tenant_context(tenant):
        job = TransferJob.objects.filter(id=job_id).first()
    connection.set_schema_to_public()
    return job if job and job.status in ("done", "failed") else None


def test_import_and_export_run_in_the_worker(celery_worker_process):
    _proc, log = celery_worker_process
    alpha, client = _blog("alpha")
    bravo, _ = _blog("bravo")
    response = client.post(
        "/dashboard/import/", {"file": SimpleUploadedFile("wp.xml", WXR.read_bytes())}
    )
    assert response.status_code == 302
    job_id = response["Location"].rstrip("/").split("/")[-1]
    job = wait_for(lambda: _job(alpha, job_id), timeout=60, log=log)
    assert job.status == "done" and job.report["imported_count"] == 7
    status = client.get(f"/dashboard/import/{job_id}/status/").json()
    assert status["status"] == "done" and status["done"] == status["total"]
    with tenant_context(bravo):
        assert not Post.objects.exists()
    connection.set_schema_to_public()

    # The search vectors the import left empty are filled by the queued sweep.
    def vectors_filled():
        with tenant_context(alpha):
            done = not Post.objects.filter(search_vector__isnull=True).exists()
        connection.set_schema_to_public()
        return done

    wait_for(vectors_filled, timeout=60, log=log)
    assert host_client(alpha).get("/search/?q=boat").content.count(b"Worth A Thousand") >= 1

    assert client.post("/dashboard/export/").status_code == 302
    with tenant_context(alpha):
        export_id = TransferJob.objects.get(kind="export").id
    connection.set_schema_to_public()
    export = wait_for(lambda: _job(alpha, export_id), timeout=60, log=log)
    assert export.status == "done" and export.report["posts"] == 7
    assert b"/dashboard/export/download/" in client.get("/dashboard/export/").content
    connection.set_schema_to_public()  # the requests above left alpha's schema set
