"""Helpers for import/export tests: upload through the dashboard, run the job as the task
does (its service, in the blog's schema), read the job back."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from blog.models import Post, TransferJob
from blog.services import imports as import_services
from tenants.context import tenant_context

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def private_root(settings, tmp_path):
    """Imports and exports go to a private storage of the test's own."""
    settings.STORAGES = settings.STORAGES | {
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        }
    }
    return tmp_path / "private"


def upload(client, name: str, content: bytes, **extra):
    return client.post("/dashboard/import/", {"file": SimpleUploadedFile(name, content)}, **extra)


def run_job(tenant, response) -> TransferJob:
    """The job the upload created, run as the worker runs it."""
    assert response.status_code == 302, response.content[:2000]
    job_id = response["Location"].rstrip("/").split("/")[-1]
    with tenant_context(tenant):
        return import_services.import_job_run(tenant=tenant, job_id=job_id)


def import_file(client, tenant, name: str, content: bytes) -> TransferJob:
    return run_job(tenant, upload(client, name, content))


def posts(tenant, **filters) -> list[Post]:
    with tenant_context(tenant):
        return list(Post.objects.filter(**filters).order_by("id"))


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
