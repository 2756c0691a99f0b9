"""Import and export tasks (queue `imports`). They run in the schema of the blog that queued
them (tenant-schemas-celery), so an import can only ever write to the importing blog."""

from celery import shared_task
from django.db import OperationalError

from blog.services import exports as export_services
from blog.services import import_images as image_services
from blog.services import imports as import_services
from tasks.queue import RETRIED, task_tenant

# An import is idempotent (upserts by source key, a finished job is left alone): redelivery
# after a lost worker is safe. Big files take a while: longer limits than the default.
_LONG = RETRIED | {"soft_time_limit": 1800, "time_limit": 1900}


@shared_task(**_LONG)
def import_run(job_id: str) -> str:
    try:
        job = import_services.import_job_run(tenant=task_tenant(), job_id=job_id)
    except OperationalError:
        raise  # retried with backoff (RETRIED)
    except Exception:
        # A bug, not bad input: the transaction rolled back, so say so on the job's page
        # rather than leaving its progress bar waiting, then let the error be logged.
        import_services.transfer_job_fail(job_id=job_id)
        raise
    return job.status


@shared_task(**_LONG)
def import_images_fetch(job_id: str) -> dict:
    """After an import commits: its posts' remote images into the blog's storage.
    Idempotent (a rewritten URL is not fetched again), so redelivery is safe."""
    return image_services.import_images_fetch(tenant=task_tenant(), job_id=job_id)


@shared_task(**_LONG)
def export_run(job_id: str) -> str:
    try:
        job = export_services.export_job_run(tenant=task_tenant(), job_id=job_id)
    except OperationalError:
        raise
    except Exception:
        import_services.transfer_job_fail(job_id=job_id)
        raise
    return job.status
