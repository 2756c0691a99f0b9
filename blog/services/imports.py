"""Import jobs: an uploaded file is kept privately, read by a worker, and written in one
transaction by `blog.services.import_writer` (why one transaction, and why a bulk writer, is
said there). Progress is kept in Redis, because rows written inside the transaction are
invisible to the page polling for it until the end.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from blog import dispatch
from blog.imports import detect
from blog.imports.common import ImportRefused
from blog.imports.read import import_file_read
from blog.models import TransferJob
from blog.services.import_writer import posts_import
from shared.accounts.models import User
from tenants.models import Tenant

logger = logging.getLogger(__name__)
_PROGRESS = "import-progress:{schema}:{job}"


def import_job_create(*, tenant: Tenant, by: User, upload: UploadedFile) -> TransferJob:
    """Check and store an uploaded file, and queue its import (after commit). Raises
    ImportRefused for a file that is too large or of a type no reader takes."""
    cap = settings.QUIRE_IMPORT_MAX_BYTES
    if upload.size > cap:
        raise ImportRefused(import_too_large_message(upload.size))
    head = upload.read(detect.SNIFF_BYTES)
    upload.seek(0)
    detect.format_detect(head)
    job = TransferJob(
        kind=TransferJob.Kind.IMPORT, by_id=by.id, filename=upload.name[:255], size=upload.size
    )
    job.path = storages["private"].save(f"{tenant.schema_name}/imports/{job.id}", upload)
    job.save()
    dispatch.import_run(str(job.id), schema_name=tenant.schema_name)
    return job


def import_too_large_message(size: int) -> str:
    cap = settings.QUIRE_IMPORT_MAX_BYTES
    return (
        f"The file is {size / 2**20:.0f} MB; imports are limited to {cap // 2**20} MB. "
        "Split the export (WordPress: export posts by date range or category) and import "
        "each part; importing again never duplicates posts."
    )


def import_progress(*, job_id: str) -> dict:
    return cache.get(_PROGRESS.format(schema=connection.schema_name, job=job_id)) or {}


def _progress_set(job_id: str, *, done: int, total: int, stage: str) -> None:
    key = _PROGRESS.format(schema=connection.schema_name, job=job_id)
    try:
        cache.set(key, {"done": done, "total": total, "stage": stage}, timeout=3600)
    except Exception:  # Redis down: the import goes on, the bar just does not move
        logger.warning("could not store import progress for %s", job_id)


class _ReadProgress:
    """The stored file, reporting how much of it has been read (the "reading" stage)."""

    STEP = 1024 * 1024

    def __init__(self, stream, *, job_id: str, size: int):
        self.stream, self.job_id, self.size, self.next = stream, job_id, size, self.STEP

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n)
        position = self.stream.tell()
        if position >= self.next:
            self.next = position + self.STEP
            _progress_set(self.job_id, done=position, total=self.size, stage="reading")
        return data

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


def import_job_run(*, tenant: Tenant, job_id: str) -> TransferJob:
    """The task's work: read the stored file, import it, store the report. Idempotent: a job
    already finished is left as it is (a redelivered message does nothing)."""
    job = TransferJob.objects.get(id=job_id, kind=TransferJob.Kind.IMPORT)
    if job.status in (TransferJob.Status.DONE, TransferJob.Status.FAILED):
        return job
    TransferJob.objects.filter(id=job.id).update(status=TransferJob.Status.RUNNING)
    _progress_set(str(job.id), done=0, total=0, stage="reading")
    storage = storages["private"]
    importer = User.objects.filter(id=job.by_id).first()
    try:
        with storage.open(job.path, "rb") as stream:
            parsed = import_file_read(_ReadProgress(stream, job_id=str(job.id), size=job.size))
        with transaction.atomic():
            report = posts_import(
                tenant=tenant,
                parsed=parsed,
                importer=importer,
                progress=lambda done, total: _progress_set(
                    str(job.id), done=done, total=total, stage="writing"
                ),
            )
        job.status, job.report = TransferJob.Status.DONE, report
    except ImportRefused as exc:
        job.status, job.error = TransferJob.Status.FAILED, exc.message
        job.report = {"error": exc.message, "imported_count": 0}
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "report", "error", "finished_at"])
    if job.status == TransferJob.Status.DONE and job.report.get("remote_images"):
        # Images are fetched into our storage by a task of their own once the job is saved.
        dispatch.import_images_fetch(str(job.id), schema_name=tenant.schema_name)
    _progress_set(str(job.id), done=1, total=1, stage=job.status)
    storage.delete(job.path)  # the upload is not kept once read
    return job


def transfer_job_fail(*, job_id: str) -> None:
    """Mark a job failed after an unexpected error (the task's last resort)."""
    TransferJob.objects.filter(id=job_id).exclude(status=TransferJob.Status.DONE).update(
        status=TransferJob.Status.FAILED,
        error=(
            "The job stopped on an unexpected error and nothing was changed (an import is "
            "all or nothing). Try again; if it fails again, write to support with the file."
        ),
        finished_at=timezone.now(),
    )
    _progress_set(job_id, done=1, total=1, stage="failed")


def import_jobs_recent(*, limit: int = 10):
    return TransferJob.objects.filter(kind=TransferJob.Kind.IMPORT).order_by("-created_at")[:limit]
